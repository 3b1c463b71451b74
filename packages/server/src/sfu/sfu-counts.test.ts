import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamType } from './mcu-data.js';
import { countStreams } from './sfu.js';

test('sfu counts - by stream type, remote subscribers as a subset, audio left out', () => {
  const of = (streamType: StreamType, remote = false) => ({ streamType, remote });
  const counts = countStreams(
    [of('video'), of('video'), of('screen'), of('audio')],
    [of('video', true), of('video'), of('screen', true), of('audio', true)],
    (s) => s.remote,
  );
  assert.deepEqual(counts, {
    publishers: { video: 2, screen: 1 },
    subscribers: { video: 2, screen: 1 },
    remoteSubscribers: { video: 1, screen: 1 },
  });
});
