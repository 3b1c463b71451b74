import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Participant, TalkClient } from '@spreed-ts/client';
import { concatFrames, dominantFrequency } from './helpers/audio-analysis.js';
import { nextStatus, startTalkEnv } from './helpers/talk-env.js';

/** Resolves with `frames` 10 ms frames that `client` receives from whoever `from()` names. */
function receive(
  client: TalkClient,
  from: () => string | undefined,
  frames: number,
): Promise<Int16Array> {
  const got: Int16Array[] = [];
  return new Promise((resolve) => {
    const onFrame = (p: Participant, samples: Int16Array): void => {
      if (p.sessionId !== from()) {
        return;
      }
      got.push(samples);
      if (got.length === frames) {
        client.off('audioFrame', onFrame);
        resolve(concatFrames(got));
      }
    };
    client.on('audioFrame', onFrame);
  });
}

test('reconnect - a dropped socket resumes the session; the call keeps going', {
  timeout: 60_000,
}, async () => {
  await using env = await startTalkEnv();
  const a = await env.join({ name: 'Alice' });
  const b = await env.join({ name: 'Bob' });
  await a.joinCall({ audio: { tone: 440 } });
  await b.joinCall({ audio: { tone: 660 } });
  await receive(b, () => a.sessionId, 50);
  const idBefore = a.sessionId;
  const resumed = nextStatus(a, 'reconnected');
  a.signaling?.dropConnection();
  assert.equal((await resumed).resumed, true);
  assert.equal(a.sessionId, idBefore);
  const after = await receive(b, () => a.sessionId, 100);
  assert.equal(dominantFrequency(after, [440, 660]).frequency, 440);
  assert.ok(a.inCall);
});

test('reconnect - when the session expired, the SDK starts a new one and rejoins room and call', {
  timeout: 60_000,
}, async () => {
  await using env = await startTalkEnv(
    {},
    { timings: { sessionExpiryMs: 200, housekeepingMs: 50 } },
  );
  const a = await env.join({ name: 'Alice', backoff: { initialMs: 1500, maxMs: 3000, jitter: 0 } });
  const b = await env.join({ name: 'Bob' });
  await a.joinCall({ audio: { tone: 440 } });
  await b.joinCall({ audio: { tone: 660 } });
  await receive(b, () => a.sessionId, 50);
  const oldId = a.sessionId;
  const oldTalkSession = a.talkSessionId;
  const fresh = nextStatus(a, 'reconnected');
  const inCallAgain = nextStatus(a, 'inCall', 20_000, () => true);
  a.signaling?.dropConnection();
  assert.equal((await fresh).resumed, false);
  await inCallAgain;
  assert.notEqual(a.sessionId, oldId);
  // The expired signaling session made Talk end the guest's Talk session; the SDK got a new one.
  assert.notEqual(a.talkSessionId, oldTalkSession);
  const heard = await receive(b, () => a.sessionId, 100);
  assert.equal(dominantFrequency(heard, [440, 660]).frequency, 440);
  const session = env.sig.server.hub.session(a.sessionId as string);
  assert.ok(session);
  assert.equal(env.rooms.manager.whyNotInSameCall(session, b.sessionId as string), undefined);
});
