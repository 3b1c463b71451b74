import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ChatMessage, decodeWav } from '@spreed-ts/client';
import { concatFrames, dominantFrequency } from './helpers/audio-analysis.js';
import { talk } from './helpers/run-cli.js';
import { startTalkEnv } from './helpers/talk-env.js';

test('cli - talk join sends a tone, chats, records the other side and leaves cleanly', {
  timeout: 60_000,
}, async () => {
  await using env = await startTalkEnv();
  const dir = await mkdtemp(join(tmpdir(), 'talk-cli-'));
  try {
    const peer = await env.join({ name: 'Peer' });
    await peer.joinCall({ audio: { tone: 660 } });
    const chat = new Promise<ChatMessage>((resolve) => {
      peer.on('chatMessage', (m) => {
        if (m.message === 'hello from the CLI') {
          resolve(m);
        }
      });
    });
    const heard: Int16Array[] = [];
    peer.on('audioFrame', (p, samples) => {
      if (p.displayName === 'Bot') {
        heard.push(samples);
      }
    });
    const result = await talk([
      'join',
      env.roomUrl,
      '--name',
      'Bot',
      '--tone',
      '440',
      '--record',
      dir,
      '--chat',
      'hello from the CLI',
      '--duration',
      '3',
    ]);
    assert.equal(result.code, 0, result.err);
    const lines = result.out.trim().split('\n');
    const order = [
      'joining',
      'connected: signaling session',
      'in room',
      'in call (peer-to-peer)',
      'receiving from Peer',
      'leaving',
      'left',
    ];
    let at = -1;
    for (const prefix of order) {
      const found = lines.findIndex((line, i) => i > at && line.startsWith(prefix));
      assert.ok(found > at, `missing "${prefix}" in order:\n${result.out}`);
      at = found;
    }
    // Joins print the name (it arrives after the session; never a session id).
    assert.match(result.out, /^Peer joined$/m);
    assert.doesNotMatch(result.out, /a participant joined|session [A-Za-z0-9]{8}…\)/);
    assert.equal((await chat).actorDisplayName, 'Bot');
    const [file] = await readdir(dir);
    assert.match(file ?? '', /^Peer-.*\.wav$/);
    const wav = decodeWav(new Uint8Array(await readFile(join(dir, file as string))));
    assert.equal(wav.sampleRate, 48_000);
    assert.ok(wav.samples.length > 48_000, `recorded ${wav.samples.length} samples`);
    assert.equal(dominantFrequency(wav.samples.subarray(24_000), [440, 660]).frequency, 660);
    const all = concatFrames(heard);
    assert.ok(heard.length > 100, `peer heard ${heard.length} frames from the CLI`);
    assert.equal(dominantFrequency(all.subarray(24_000), [440, 660]).frequency, 440);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cli - talk chat sends; failures are one line and a non-zero exit', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  const sent = await talk(['chat', env.roomUrl, '--name', 'Cli', '--send', 'one-shot']);
  assert.equal(sent.code, 0, sent.err);
  assert.match(sent.out, /^sent #\d+$/m);
  assert.deepEqual(
    env.dev.messages(env.token).map((m) => [m.actorDisplayName, m.message]),
    [['Cli', 'one-shot']],
  );

  const missing = await talk(['join', `${env.dev.url}call/nothere`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err.trim(), 'talk: conversation nothere not found (HTTP 404)');

  const usage = await talk(['join']);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /missing <room-url>/);
});
