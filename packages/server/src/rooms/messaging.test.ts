import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeClientFrame } from '@spreed-ts/protocol';
import { relayFrameText } from './messaging.js';

test('messaging - a relay frame built around the received data equals the serialised one', () => {
  const frame =
    '{"id":"1","type":"message","message":{"recipient":{"type":"session","sessionid":"b"},' +
    '"data":{ "type": "offer", "payload": {"sdp": "v=0\\r\\n<&>", "n": [1, 2.5, null]} }}}';
  const decoded = decodeClientFrame(frame);
  assert.equal(decoded.type, 'message');
  if (decoded.type !== 'message') {
    return;
  }
  const { data, dataJson } = decoded.message;
  assert.equal(
    dataJson,
    '{ "type": "offer", "payload": {"sdp": "v=0\\r\\n<&>", "n": [1, 2.5, null]} }',
  );
  const sender = { type: 'session' as const, sessionid: 'a', userid: 'u' };
  for (const recipient of [undefined, { type: 'session' as const, sessionid: 'v' }]) {
    for (const type of ['message', 'control'] as const) {
      const raw = relayFrameText(type, sender, data, dataJson, recipient);
      const serialised = relayFrameText(type, sender, data, undefined, recipient);
      assert.equal(raw.replace(/ /g, ''), serialised.replace(/ /g, ''));
      assert.deepEqual(JSON.parse(raw), JSON.parse(serialised));
    }
  }
});
