import assert from 'node:assert/strict';
import test from 'node:test';
import { MESSAGE_SUFFIX, messagePrefix } from '../scenarios/payload.js';
import { isMessageFrame, readStamp } from './bench-client.js';

test('readStamp - finds the payload stamp at the end of a relayed frame', () => {
  const sent = `${messagePrefix({ type: 'room' }, 200)}123456789${MESSAGE_SUFFIX}`;
  const data = JSON.parse(sent).message.data;
  assert.equal(JSON.stringify(data).length, 200);
  // Relayed as the servers do: sender first, data last.
  const relayed = Buffer.from(
    JSON.stringify({
      type: 'message',
      message: { sender: { type: 'room', sessionid: 'abc', userid: 'u' }, data },
    }),
  );
  assert.equal(isMessageFrame(relayed), true);
  assert.equal(readStamp(relayed), 123456789);
});

test('readStamp - frames without a stamp give -1; events are no message frames', () => {
  assert.equal(readStamp(Buffer.from('{"type":"message","message":{"data":{"x":1}}}')), -1);
  assert.equal(isMessageFrame(Buffer.from('{"type":"event","event":{}}')), false);
});
