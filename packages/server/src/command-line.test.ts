import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine, usage } from './command-line.js';

test('command line - upstream flag spellings, defaults and errors', () => {
  const parse = (...args: string[]) => parseCommandLine(args, 'proxy', 'proxy.conf');
  assert.deepEqual(parse(), { configPath: 'proxy.conf', version: false });
  for (const args of [['-config', 'a.conf'], ['--config', 'a.conf'], ['-config=a.conf']]) {
    assert.deepEqual(parse(...args), { configPath: 'a.conf', version: false }, args.join(' '));
  }
  assert.deepEqual(parse('--version'), { configPath: 'proxy.conf', version: true });
  assert.throws(() => parse('-config'), /flag needs an argument: -config/);
  assert.throws(() => parse('-config='), /flag needs an argument: -config/);
  assert.throws(() => parse('-port', '1'), /flag provided but not defined: -port/);
  assert.throws(() => parse('extra'), /unexpected argument "extra"/);
  assert.throws(() => parse('-h'), new RegExp(usage('proxy').replace(/[[\]]/g, '\\$&')));
  assert.equal(usage('signaling'), 'usage: signaling [-config PATH] [-version]');
});
