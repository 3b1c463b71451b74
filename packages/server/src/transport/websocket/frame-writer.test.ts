import assert from 'node:assert/strict';
import { test } from 'node:test';
import { textFrame } from './frame-writer.js';

/** Payload of an unmasked server frame. */
function payloadOf(frame: Buffer): string {
  assert.equal(frame[0], 0x81);
  const short = (frame[1] as number) & 0x7f;
  if (short < 126) {
    return frame.subarray(2).toString();
  }
  if (short === 126) {
    assert.equal(frame.readUInt16BE(2), frame.length - 4);
    return frame.subarray(4).toString();
  }
  assert.equal(frame.readUInt32BE(6), frame.length - 10);
  return frame.subarray(10).toString();
}

test('text frames carry their text with the right length encoding', () => {
  for (const bytes of [0, 1, 125, 126, 127, 255, 256, 65_535, 65_536, 70_000]) {
    const text = 'x'.repeat(bytes);
    assert.equal(payloadOf(textFrame(text)), text);
  }
  const multiByte = 'ä✓😀'.repeat(100);
  assert.equal(payloadOf(textFrame(multiByte)), multiByte);
});

test('the frame of a long text is reused for the same text only', () => {
  const event = `{"type":"event","event":${JSON.stringify({ users: 'u'.repeat(500) })}}`;
  const first = textFrame(event);
  // The same content as another string object still gets the same frame.
  assert.equal(textFrame(`${event.slice(0, 10)}${event.slice(10)}`), first);
  const other = `${event.slice(0, -2)}x}}`;
  const second = textFrame(other);
  assert.notEqual(second, first);
  assert.equal(payloadOf(second), other);
  assert.equal(payloadOf(textFrame(event)), event);
});
