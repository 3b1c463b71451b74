import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionIdCodec } from './session-ids.js';

test('session ids - unique, verifiable, and not interchangeable between kinds or keys', () => {
  const codec = new SessionIdCodec('hash-key');
  const ids = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    ids.add(codec.newPublicId());
  }
  assert.equal(ids.size, 1000);
  const pub = codec.newPublicId();
  const priv = codec.newPrivateId();
  assert.equal(codec.isValidPublicId(pub), true);
  assert.equal(codec.isValidPrivateId(priv), true);
  assert.equal(codec.isValidPrivateId(pub), false);
  assert.equal(codec.isValidPublicId(priv), false);
  assert.equal(new SessionIdCodec('other').isValidPrivateId(priv), false);
});

test('session ids - forged and corrupted ids are refused', () => {
  const codec = new SessionIdCodec('hash-key');
  const priv = codec.newPrivateId();
  const flipped = (priv[0] === 'A' ? 'B' : 'A') + priv.slice(1);
  for (const bad of ['', 'x', flipped, `${priv}A`, priv.slice(1), '!'.repeat(priv.length)]) {
    assert.equal(codec.isValidPrivateId(bad), false, bad);
  }
});

test('session ids - codecs with the same hashkey accept each other ids (servers of a cluster)', () => {
  const a = new SessionIdCodec('shared');
  const b = new SessionIdCodec('shared');
  for (let i = 0; i < 100; i++) {
    assert.equal(b.isValidPrivateId(a.newPrivateId()), true);
    assert.equal(a.isValidPublicId(b.newPublicId()), true);
  }
});

test('session ids - random strings of the right length are refused', () => {
  const codec = new SessionIdCodec('hash-key');
  const length = codec.newPrivateId().length;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    let id = '';
    for (let j = 0; j < length; j++) {
      id += alphabet[Math.floor(Math.random() * alphabet.length)];
    }
    if (codec.isValidPrivateId(id) || codec.isValidPublicId(id)) {
      accepted++;
    }
  }
  assert.equal(accepted, 0);
});
