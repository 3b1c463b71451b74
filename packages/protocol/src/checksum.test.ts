import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  calculateChecksum,
  fillRandom,
  randomHex,
  signedHeaders,
  validateChecksum,
} from './checksum.js';

const body = '{"type":"auth","auth":{"version":"1.0","params":{"hello":"world"}}}';
const random = 'afb6b872ab03e3376b31bf0af601067222ff7990335ca02d327071b73c0119c6';

test('checksum - matches the test vector of the API document', () => {
  assert.equal(
    calculateChecksum(random, body, 'MySecretValue'),
    '3c4a69ff328299803ac2879614b707c807b4758cf19450755c60656cac46e3bc',
  );
});

test('checksum - validation accepts the right and rejects a wrong checksum', () => {
  const good = calculateChecksum(random, body, 'MySecretValue');
  assert.equal(validateChecksum(random, body, 'MySecretValue', good), true);
  assert.equal(validateChecksum(random, body, 'MySecretValue', good.toUpperCase()), true);
  assert.equal(validateChecksum(random, body, 'OtherSecret', good), false);
  assert.equal(validateChecksum(random, `${body} `, 'MySecretValue', good), false);
  assert.equal(validateChecksum(random, body, 'MySecretValue', 'short'), false);
});

test('checksum - signed headers carry a 64 character random and its checksum', () => {
  const headers = signedHeaders(body, 's3cret');
  const rnd = headers['Spreed-Signaling-Random'] ?? '';
  assert.equal(rnd.length, 64);
  assert.equal(
    validateChecksum(rnd, body, 's3cret', headers['Spreed-Signaling-Checksum'] ?? ''),
    true,
  );
});

test('checksum - random hex strings are hex of the requested length and do not repeat', () => {
  const seen = new Set<string>();
  // Crosses several refills of the pooled buffer.
  for (let i = 0; i < 1000; i += 1) {
    const value = randomHex(32);
    assert.match(value, /^[0-9a-f]{64}$/);
    assert.equal(seen.has(value), false);
    seen.add(value);
  }
  assert.equal(randomHex(0), '');
  assert.match(randomHex(5), /^[0-9a-f]{10}$/);
  assert.match(randomHex(1000), /^[0-9a-f]{2000}$/);
  assert.throws(() => randomHex(-1));
});

test('checksum - fillRandom fills exactly the requested range, from the pool or beyond it', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 600; i += 1) {
    // Pool-sized takes interleaved with hex takes cross several refills.
    const target = Buffer.alloc(24, 0xee);
    fillRandom(target, 4, 16);
    assert.equal(target.subarray(0, 4).toString('hex'), 'eeeeeeee');
    assert.equal(target.subarray(20).toString('hex'), 'eeeeeeee');
    const taken = target.toString('hex', 4, 20);
    assert.equal(seen.has(taken), false);
    seen.add(taken);
    randomHex(7);
  }
  const big = Buffer.alloc(1000);
  fillRandom(big);
  assert.notEqual(big.toString('hex'), '00'.repeat(1000));
  fillRandom(big, 1000, 0);
  assert.throws(() => fillRandom(big, 999, 2));
});

test('checksum - checksums of a string and of its bytes are the same', () => {
  assert.equal(
    calculateChecksum(random, Buffer.from(body), 'MySecretValue'),
    calculateChecksum(random, body, 'MySecretValue'),
  );
});
