import assert from 'node:assert/strict';
import { test } from 'node:test';
import { talk } from './helpers/run-cli.js';
import { startTalkEnv } from './helpers/talk-env.js';

/** `HH:MM` of `seconds` in UTC+05:30 (Asia/Kolkata has no daylight saving time). */
function kolkata(seconds: number): string {
  const minutes = (Math.floor(seconds / 60) + 330) % (24 * 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

test('cli - talk chat renders system messages and mentions, in the local time zone', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  env.dev.addUser('alice', { displayName: 'Alice' });
  env.dev.addUser('bob', { displayName: 'Bob' });
  const alice = env.dev.joinRoom(env.token, { userId: 'alice' });
  env.dev.setInCall(alice.sessionId, 3);
  env.dev.postMessage(env.token, 'hi @bob', { userId: 'alice' });
  env.dev.setInCall(alice.sessionId, 0);
  const result = await talk(['chat', env.roomUrl, '--name', 'Reader'], 20_000, {
    TZ: 'Asia/Kolkata',
  });
  assert.equal(result.code, 0, result.err);
  const expected = env.dev
    .messages(env.token)
    .map((m) => `[${kolkata(m.timestamp)}] `)
    .map((time, i) => {
      const texts = [
        '* Alice started a call',
        'Alice: hi @Bob',
        '* Alice left the call',
        '* Call with Alice ended (Duration 0:00)',
      ];
      return `${time}${texts[i]}`;
    });
  assert.deepEqual(result.out.trim().split('\n'), expected);
});

test('cli - a one-shot talk chat --send does not long-poll the chat', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  const before = env.dev.chatLongPolls;
  const sent = await talk(['chat', env.roomUrl, '--name', 'Cli', '--send', 'one-shot']);
  assert.equal(sent.code, 0, sent.err);
  assert.match(sent.out, /^sent #\d+$/m);
  assert.equal(env.dev.chatLongPolls, before);
  // The same client following the chat does long-poll (without signaling) — the counter works.
  const reader = await env.join({ name: 'Reader', signaling: false });
  const deadline = Date.now() + 5000;
  while (env.dev.chatLongPolls === before && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(env.dev.chatLongPolls > before);
  await reader.leave();
});
