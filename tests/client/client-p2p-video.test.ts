import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeTestPattern, decodeY4m, drawTestPattern, encodeY4m } from '@spreed-ts/client';
import { talk } from './helpers/run-cli.js';
import { startTalkEnv } from './helpers/talk-env.js';
import { collectVideo, frameRate, type ReceivedVideo } from './helpers/video-analysis.js';

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

test('p2p video - talk join sends a Y4M file and a screen, and records the other camera', {
  timeout: 60_000,
}, async () => {
  await using env = await startTalkEnv();
  const dir = await mkdtemp(join(tmpdir(), 'talk-p2p-video-'));
  try {
    // A 1 s clip of the test pattern with id 3, looped by the CLI.
    const clip = Array.from({ length: 10 }, (_, i) => drawTestPattern(320, 240, i, 3));
    const file = join(dir, 'clip.y4m');
    await writeFile(file, encodeY4m(clip, 10));
    const peer = await env.join({ name: 'Peer' });
    await peer.joinCall({
      audio: { tone: 660 },
      video: { testPattern: { width: 320, height: 240, frameRate: 10, id: 5 } },
      receiveVideo: true,
    });
    const cli = () => peer.participants.find((p) => p.displayName === 'Cli')?.sessionId;
    const camera = collectVideo(peer, cli, 20, { timeoutMs: 40_000 });
    const screen = collectVideo(peer, cli, 10, { timeoutMs: 40_000, roomType: 'screen' });
    const rec = join(dir, 'rec');
    const run = talk(
      [
        'join',
        env.roomUrl,
        '--name',
        'Cli',
        '--tone',
        '440',
        '--video',
        file,
        '--screen',
        'test-pattern',
        '--record',
        rec,
        '--video-record',
        '--duration',
        '6',
      ],
      45_000,
    );
    const received = await Promise.allSettled([camera, screen]);
    const result = await run;
    assert.equal(result.code, 0, `${result.out}\n${result.err}`);
    const [fromCamera, fromScreen] = received.map((r) => {
      assert.equal(
        r.status,
        'fulfilled',
        `${String((r as PromiseRejectedResult).reason)}\n${result.out}`,
      );
      return (r as PromiseFulfilledResult<ReceivedVideo>).value;
    });
    assert.deepEqual([...(fromCamera?.ids ?? [])], [3], 'the Y4M clip arrives');
    assert.deepEqual([...(fromScreen?.ids ?? [])], [2], 'the screen test pattern arrives');
    assert.match(result.out, /^sending video: .*clip\.y4m$/m);
    assert.match(result.out, /^sharing a screen: test-pattern$/m);
    assert.match(result.out, /^Peer is in the call with audio and video$/m);
    assert.match(result.out, /^receiving video from Peer$/m);
    assert.match(result.out, /^recorded [\d.]+ s of video \(\d+ pictures, 320×240\) from Peer: /m);
    const files = await readdir(rec);
    const y4m = files.find((f) => f.endsWith('-video.y4m'));
    const video = decodeY4m(new Uint8Array(await readFile(join(rec, y4m as string))));
    assert.ok(video.frames.length >= 20, `${video.frames.length} frames recorded`);
    const marked = video.frames.filter((f) => decodeTestPattern(f)?.id === 5).length;
    assert.ok(marked >= video.frames.length * 0.8, `${marked}/${video.frames.length} marked`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
