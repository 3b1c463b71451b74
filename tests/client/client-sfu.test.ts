import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeWav, type Participant, type TalkClient } from '@spreed-ts/client';
import type { SignalingError } from '@spreed-ts/protocol';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { concatFrames, dominantFrequency } from './helpers/audio-analysis.js';
import { talk } from './helpers/run-cli.js';
import { seedOrderClient } from './helpers/seed-order.js';
import { nextStatus, startTalkEnv } from './helpers/talk-env.js';

function collect(
  client: TalkClient,
  from: () => string | undefined,
  frames: number,
): Promise<Int16Array> {
  const got: Int16Array[] = [];
  return new Promise((resolve) => {
    const onFrame = (p: Participant, samples: Int16Array): void => {
      if (p.sessionId === from()) {
        got.push(samples);
        if (got.length === frames) {
          client.off('audioFrame', onFrame);
          resolve(concatFrames(got));
        }
      }
    };
    client.on('audioFrame', onFrame);
  });
}

// Janus ignores loopback interfaces for ICE: this file runs itself again in a private network
// namespace where Janus has 127.0.0.2 on a veth (packages/testkit/src/netns.ts).
if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('sfu - two SDK peers hear each other through Janus (440 Hz and 660 Hz)', {
    timeout: 60_000,
  }, async () => {
    await using env = await startTalkEnv({}, { sfu: true });
    const a = await env.join({ name: 'Alice' });
    const b = await env.join({ name: 'Bob' });
    const aHearsB = collect(a, () => b.sessionId, 200);
    const bHearsA = collect(b, () => a.sessionId, 200);
    const publishing = nextStatus(a, 'peerConnected', 20_000, (s) => s.role === 'publisher');
    await a.joinCall({ audio: { tone: 440 } });
    await b.joinCall({ audio: { tone: 660 } });
    assert.equal(a.call?.media?.mode, 'sfu');
    await publishing;
    const [fromB, fromA] = await Promise.all([aHearsB, bHearsA]);
    assert.equal(dominantFrequency(fromB.subarray(48_000), [440, 660, 1000]).frequency, 660);
    assert.equal(dominantFrequency(fromA.subarray(48_000), [440, 660, 1000]).frequency, 440);
  });

  test('sfu - the seed order gets not_allowed on requestoffer; the SDK order receives', {
    timeout: 60_000,
  }, async () => {
    await using env = await startTalkEnv({}, { sfu: true });
    const seed = await seedOrderClient(env.roomUrl);
    const speaker = await env.join({ name: 'Speaker' });
    await speaker.joinCall({ audio: { tone: 440 } });
    try {
      // Talk's notification for the speaker lists everybody in the call, the seed bot too …
      const deadline = Date.now() + 5000;
      while (!seed.roster.selfInCall && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(seed.roster.selfInCall, 'the seed bot is listed in the call');
      // … but the server refuses its requestoffer: the blocker, reproduced.
      const refused = once(seed.conn, 'messageError');
      seed.conn.sendMessage(speaker.sessionId as string, {
        type: 'requestoffer',
        roomType: 'video',
      });
      const [error] = (await refused) as [SignalingError];
      assert.equal(error.code, 'not_allowed');
      // The SDK's order: the same request succeeds and audio arrives.
      const listener = await env.join({ name: 'Listener' });
      const heard = collect(listener, () => speaker.sessionId, 150);
      await listener.joinCall({ audio: false });
      const samples = await heard;
      assert.equal(dominantFrequency(samples.subarray(48_000), [440, 660]).frequency, 440);
    } finally {
      await seed.close();
    }
  });

  test('sfu - talk join records the other side through Janus', { timeout: 60_000 }, async () => {
    await using env = await startTalkEnv({}, { sfu: true });
    const dir = await mkdtemp(join(tmpdir(), 'talk-sfu-cli-'));
    try {
      const peer = await env.join({ name: 'Peer' });
      await peer.joinCall({ audio: { tone: 660 } });
      const result = await talk([
        'join',
        env.roomUrl,
        '--name',
        'Cli',
        '--tone',
        '440',
        '--record',
        dir,
        '--duration',
        '4',
      ]);
      assert.equal(result.code, 0, result.err);
      assert.match(result.out, /^in call \(through the SFU\)$/m);
      assert.match(result.out, /^publishing to the SFU$/m);
      assert.match(result.out, /^receiving from Peer$/m);
      const [file] = await readdir(dir);
      const wav = decodeWav(new Uint8Array(await readFile(join(dir, file as string))));
      assert.ok(wav.samples.length > 48_000, `recorded ${wav.samples.length} samples`);
      assert.equal(dominantFrequency(wav.samples.subarray(24_000), [440, 660]).frequency, 660);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
