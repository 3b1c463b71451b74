import assert from 'node:assert/strict';
import test from 'node:test';
import { MESSAGE_SUFFIX, messagePrefix } from '../scenarios/payload.js';
import { isMessageFrame, readStamp } from './bench-client.js';

test('readStamp - finds the payload stamp at the end of a relayed frame', () => {
  const sent = `${messagePrefix({ type: 'room' }, { padding: 200 })}123456789${MESSAGE_SUFFIX}`;
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

test('payloads - Talk-shaped candidates and offers are valid JSON of the expected size', () => {
  for (const [shape, min, max] of [
    ['candidate', 250, 450],
    ['offer', 3_000, 6_000],
  ] as const) {
    const to = 'x'.repeat(40);
    const sent = `${messagePrefix({ type: 'session', sessionid: to }, shape)}123456789${MESSAGE_SUFFIX}`;
    const data = JSON.parse(sent).message.data;
    assert.equal(data.type, shape);
    assert.equal(data.to, to);
    const size = JSON.stringify(data).length;
    assert.ok(size >= min && size <= max, `${shape}: ${size} bytes`);
    assert.equal(readStamp(Buffer.from(sent)), 123456789);
  }
});
