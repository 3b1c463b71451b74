import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSoakOptions, SOAK_DEFAULTS } from './soak-options.js';

test('soak options - defaults, flags and bounds', () => {
  assert.deepEqual(parseSoakOptions([]), SOAK_DEFAULTS);
  const options = parseSoakOptions([
    '--duration',
    '60',
    '--clients',
    '20',
    '--rooms',
    '2',
    '--servers',
    '2',
    '--report',
    'out.md',
  ]);
  assert.equal(options.durationS, 60);
  assert.equal(options.clients, 20);
  assert.equal(options.servers, 2);
  assert.equal(options.reportPath, 'out.md');
  assert.throws(() => parseSoakOptions(['--duration', '99999']), /--duration needs a number/);
  assert.throws(() => parseSoakOptions(['--servers', '4']), /--servers/);
  assert.throws(() => parseSoakOptions(['--clients', '4', '--rooms', '3']), /two clients per room/);
  assert.throws(() => parseSoakOptions(['--frobnicate']), /unknown option/);
});
