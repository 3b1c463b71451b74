import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTalkEnv } from './helpers/talk-env.js';
import { collectVideo, frameRate } from './helpers/video-analysis.js';

test('p2p video - two SDK peers see each other’s test pattern (marker, size, rate)', {
  timeout: 60_000,
}, async () => {
  await using env = await startTalkEnv();
  const a = await env.join({ name: 'Alice' });
  const b = await env.join({ name: 'Bob' });
  const pattern = { width: 320, height: 240, frameRate: 15 };
  const aSeesB = collectVideo(a, () => b.sessionId, 45);
  const bSeesA = collectVideo(b, () => a.sessionId, 45);
  await a.joinCall({
    audio: { tone: 440 },
    video: { testPattern: { ...pattern, id: 1 } },
    receiveVideo: true,
  });
  await b.joinCall({
    audio: { tone: 660 },
    video: { testPattern: { ...pattern, id: 2 } },
    receiveVideo: true,
  });
  const [fromB, fromA] = await Promise.all([aSeesB, bSeesA]);
  for (const [seen, id] of [
    [fromB, 2],
    [fromA, 1],
  ] as const) {
    assert.deepEqual([...seen.ids], [id], 'every marker names the sender');
    assert.ok(seen.marked >= seen.frames * 0.8, `${seen.marked}/${seen.frames} pictures marked`);
    assert.deepEqual([...seen.sizes], ['320×240']);
    const rate = frameRate(seen);
    // 15 fps sent; a loaded machine may deliver fewer, never many more.
    assert.ok(rate > 3 && rate < 25, `received ${rate.toFixed(1)} distinct pictures per second`);
    console.log(`p2p: ${seen.frames} pictures, ${rate.toFixed(1)} fps, sizes ${[...seen.sizes]}`);
  }
});
