import assert from 'node:assert/strict';
import test from 'node:test';
import { serverConf } from './harness/server-launcher.js';
import { parseOptions } from './options.js';

test('parseOptions - quick profile, scenario and server selection', () => {
  const options = parseOptions(['--quick', '--only', '1,5', '--servers', 'ours'], '/x');
  assert.equal(options.profile.name, 'quick');
  assert.equal(options.profile.runs, 1);
  assert.deepEqual(options.scenarios, [1, 5]);
  assert.deepEqual(options.servers, ['ours']);
  assert.throws(() => parseOptions(['--servers', 'janus'], '/x'), /unknown server/);
  assert.throws(() => parseOptions(['--runs', '0'], '/x'), /positive integer/);
  assert.deepEqual(parseOptions([], '/x').oursNodeOptions, []);
  assert.deepEqual(
    parseOptions(['--ours-node-options', ' --max-semi-space-size=2  --foo '], '/x').oursNodeOptions,
    ['--max-semi-space-size=2', '--foo'],
  );
});

test('serverConf - what both servers need: allowall over http, loopback bus, AES-sized blockkey', () => {
  const conf = serverConf(
    { hashKey: 'h'.repeat(32), blockKey: 'b'.repeat(16), internalSecret: 'i', backendSecret: 's' },
    4242,
  );
  assert.match(conf, /^listen = 127\.0\.0\.1:4242$/m);
  assert.match(conf, /^allowall = true$/m);
  assert.match(conf, /^allowhttp = true$/m);
  assert.match(conf, /^url = :loopback:$/m);
  assert.match(conf, /^blockkey = b{16}$/m);
});
