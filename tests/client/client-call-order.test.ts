import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  joinConversation,
  type Participant,
  SignalingConnection,
  type TalkClient,
} from '@spreed-ts/client';
import { seedOrderClient } from './helpers/seed-order.js';
import { FAST, startTalkEnv, type TalkEnv } from './helpers/talk-env.js';

/** The server's view: why `from` may not requestoffer from `to` (undefined = same call). */
function whyNot(env: TalkEnv, from: string, to: string): string | undefined {
  const session = env.sig.server.hub.session(from);
  assert.ok(session, `no session ${from}`);
  return env.rooms.manager.whyNotInSameCall(session, to);
}

function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 20);
  });
}

test('call order - the SDK registers both peers in the call on the signaling server', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  const a = await env.join({ name: 'Alice' });
  const b = await env.join({ name: 'Bob' });
  await a.joinCall({ audio: false });
  await b.joinCall({ audio: { tone: 440 } });
  const aId = a.sessionId as string;
  const bId = b.sessionId as string;
  assert.equal(whyNot(env, aId, bId), undefined);
  assert.equal(whyNot(env, bId, aId), undefined);
  assert.ok(a.inCall && b.inCall);
  await waitFor(
    () => a.participants.some((p) => p.sessionId === bId && p.inCall === 3),
    'Bob in call at Alice',
  );
});

test('call order - the seed order (call before room join) leaves the session out of the call', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  const seed = await seedOrderClient(env.roomUrl);
  try {
    const good: TalkClient = await env.join({ name: 'Browser-like' });
    await good.joinCall({ audio: { tone: 440 } });
    const goodId = good.sessionId as string;
    // Talk's in-call notification for the good client lists everybody in the call, the seed bot
    // included: its roster (like a browser's) shows it in the call …
    await waitFor(
      () =>
        (good.participants.find((p: Participant) => p.sessionId === seed.sessionId)?.inCall ??
          0) === 3,
      'seed bot listed in call',
    );
    await waitFor(() => seed.roster.selfInCall, 'seed bot sees itself in call');
    // … but the signaling server never registered it: with an SFU every requestoffer between the
    // two is refused with not_allowed, in both directions.
    assert.equal(whyNot(env, seed.sessionId, goodId), 'sender not in call');
    assert.equal(whyNot(env, goodId, seed.sessionId), 'recipient not in call');
  } finally {
    await seed.close();
  }
});

test('call order - posting /call again after the room join repairs the registration', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  const joined = await joinConversation(env.roomUrl, { ...FAST, name: 'Late fixer' });
  await joined.api.joinCall(3); // too early, dropped by the server
  const conn = new SignalingConnection({
    backendUrl: joined.url.baseUrl,
    fetchSettings: () => joined.api.signalingSettings(),
  });
  try {
    const session = await conn.connect();
    await conn.joinRoom(joined.url.token, joined.room.sessionId);
    const good = await env.join({ name: 'Other' });
    await good.joinCall({ audio: false });
    assert.equal(whyNot(env, session.sessionId, good.sessionId as string), 'sender not in call');
    await joined.api.joinCall(3); // again, after the room join
    await waitFor(
      () => whyNot(env, session.sessionId, good.sessionId as string) === undefined,
      'registration',
    );
  } finally {
    await conn.close();
    await joined.api.leaveConversation();
  }
});
