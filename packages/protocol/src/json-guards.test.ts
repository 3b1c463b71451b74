import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from './errors.js';
import { optInt, optUint32 } from './json-guards.js';
import { decodeClientFrame } from './parse-client-message.js';

test('optInt - integers a JSON number holds exactly; larger ones would change silently', () => {
  assert.equal(optInt({ n: 2 ** 53 - 1 }, 'n', 'x'), 2 ** 53 - 1);
  assert.equal(optInt({ n: -(2 ** 53 - 1) }, 'n', 'x'), -(2 ** 53 - 1));
  assert.equal(optInt({}, 'n', 'x'), undefined);
  assert.equal(optInt({ n: null }, 'n', 'x'), undefined);
  for (const bad of [2 ** 53, -(2 ** 53), 1e300, 1.5, '1', true, Number.NaN]) {
    assert.throws(() => optInt({ n: bad }, 'n', 'x'), ProtocolError, String(bad));
  }
});

test('optUint32 - 0 to 2^32 - 1, as upstream unmarshals uint32', () => {
  assert.equal(optUint32({ f: 0 }, 'f', 'x'), 0);
  assert.equal(optUint32({ f: 0xffff_ffff }, 'f', 'x'), 0xffff_ffff);
  assert.equal(optUint32({}, 'f', 'x'), undefined);
  for (const bad of [-1, 2 ** 32, 2 ** 53 + 2, 0.5, '3']) {
    assert.throws(() => optUint32({ f: bad }, 'f', 'x'), /from 0 to 4294967295/, String(bad));
  }
});

test('internal addsession / updatesession - flags out of uint32 and incall beyond 2^53 are invalid', () => {
  const add = (body: string) =>
    `{"type":"internal","internal":{"type":"addsession","addsession":{"sessionid":"v","roomid":"r",${body}}}}`;
  const update = (body: string) =>
    `{"type":"internal","internal":{"type":"updatesession","updatesession":{"sessionid":"v","roomid":"r",${body}}}}`;
  assert.doesNotThrow(() => decodeClientFrame(add('"flags":4294967295,"incall":7')));
  assert.doesNotThrow(() => decodeClientFrame(update('"flags":1')));
  for (const frame of [
    add('"flags":4294967296'),
    add('"flags":-1'),
    add('"incall":9007199254740993'),
    update('"flags":1e10'),
    update('"incall":-9007199254740993'),
  ]) {
    assert.throws(() => decodeClientFrame(frame), ProtocolError, frame);
  }
});
