import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ChatMessage, TalkClient } from '@spreed-ts/client';
import { FAST, startTalkEnv } from './helpers/talk-env.js';

/** The README's bot (block statements for Biome); the URL, options and directory come from the test. */
async function readmeBot(url: string, recordings: string): Promise<void> {
  const talk = await TalkClient.join(url, { ...FAST, name: 'Echo bot' });
  await talk.joinCall({ audio: { tone: 440 } }); // say something: a 440 Hz beep
  talk.record(recordings); // one WAV per participant
  talk.on('receiving', (p) => talk.chat.send(`I can hear you, ${p.displayName ?? 'guest'}!`));
  for await (const message of talk.chat.messages()) {
    if (message.message === '!bye') {
      break;
    }
    if (message.actorId !== talk.actorId) {
      await talk.chat.send(`You said: ${message.message}`);
    }
  }
  await talk.leave();
}

test('readme - the 10-line bot echoes chat, greets who it hears, records, leaves', {
  timeout: 60_000,
}, async () => {
  await using env = await startTalkEnv();
  const dir = await mkdtemp(join(tmpdir(), 'talk-bot-'));
  try {
    const bot = readmeBot(env.roomUrl, dir);
    const alice = await env.join({ name: 'Alice' });
    const replies: string[] = [];
    const got = (text: string) =>
      new Promise<void>((resolve) => {
        const check = (m: ChatMessage): void => {
          replies.push(m.message);
          if (m.message === text) {
            alice.off('chatMessage', check);
            resolve();
          }
        };
        alice.on('chatMessage', check);
      });
    const greeted = got('I can hear you, Alice!');
    await alice.joinCall({ audio: { tone: 660 } });
    await greeted;
    const echoed = got('You said: hello bot');
    await alice.chat.send('hello bot');
    await echoed;
    await alice.chat.send('!bye');
    await bot;
    const files = await readdir(dir);
    assert.equal(files.length, 1);
    assert.match(files[0] ?? '', /^Alice-/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
