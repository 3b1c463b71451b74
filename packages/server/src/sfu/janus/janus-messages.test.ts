import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PEER_JSON_DEPTH, ProtocolError } from '@spreed-ts/protocol';
import { parseJanusFrame } from './janus-messages.js';

const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

test('janus frames - nesting past the peer limit is a ProtocolError, not a stack overflow later', () => {
  const frame = (data: string) =>
    `{"janus":"event","session_id":1,"sender":2,"plugindata":{"plugin":"janus.plugin.videoroom","data":{"x":${data}}}}`;
  assert.doesNotThrow(() => parseJanusFrame(frame(nested(MAX_PEER_JSON_DEPTH - 5))));
  for (const depth of [MAX_PEER_JSON_DEPTH, 10_000]) {
    assert.throws(
      () => parseJanusFrame(frame(nested(depth))),
      (err: unknown) => err instanceof ProtocolError && /nested deeper than 512/.test(err.message),
    );
  }
  assert.throws(() => parseJanusFrame(nested(100_000)), ProtocolError);
  assert.throws(() => parseJanusFrame('{"janus":'), /not JSON/);
});
