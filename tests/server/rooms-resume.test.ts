import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from '@spreed-ts/testkit';
import {
  isEvent,
  joinedClient,
  joinedIds,
  seesJoin,
  settle,
  startRoomsEnv,
} from './helpers/rooms-env.js';

test('resume - queued events are replayed with one chat refresh, then the participant list', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'res', owner: 'alice' });
  const alice = await joinedClient(env, 'res', 'alice');
  const guest = await joinedClient(env, 'res', null);
  await seesJoin(alice.client, guest.sessionId);
  await env.backendApi('res', {
    type: 'incall',
    incall: { incall: 1, changed: [], users: [{ sessionId: alice.talkSessionId, inCall: 1 }] },
  });
  await settle(env, alice.client, guest.client);

  await guest.client.close();
  alice.client.send({ type: 'message', message: { recipient: { type: 'room' }, data: { n: 1 } } });
  for (let i = 0; i < 3; i++) {
    await env.backendApi('res', {
      type: 'message',
      message: { data: { type: 'chat', chat: { refresh: true } } },
    });
  }
  const again = await env.sig.connect();
  again.send({ type: 'hello', hello: { version: '2.0', resumeid: guest.resumeId } });
  assert.equal((await again.next()).type, 'hello');
  const replay: Frame[] = [];
  for (let i = 0; i < 3; i++) {
    replay.push(await again.next());
  }
  assert.equal(replay[0]?.type, 'message');
  assert.ok(isEvent('room', 'message')(replay[1] as Frame));
  assert.ok(isEvent('participants', 'update')(replay[2] as Frame));
  assert.deepEqual(((replay[2] as Frame).event as { update: unknown }).update, {
    roomid: 'res',
    users: [{ sessionId: alice.sessionId, inCall: 1 }],
  });
  await again.expectNothing(isEvent('room', 'message'), 150);
  await again.close();
});

test('hide-displaynames - join entries lose the display name for such receivers', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice', { displayName: 'Alice' });
  env.dev.addUser('bob', { displayName: 'Bob' });
  env.dev.createRoom({ token: 'hide', owner: 'alice' });
  const alice = await joinedClient(env, 'hide', 'alice');
  const watcher = await joinedClient(env, 'hide', 'alice');
  await settle(env, alice.client, watcher.client);
  await env.backendApi('hide', {
    type: 'participants',
    participants: {
      changed: [{ sessionId: alice.talkSessionId, permissions: ['hide-displaynames'] }],
    },
  });
  await settle(env, alice.client, watcher.client);
  env.dev.addParticipant('hide', 'bob');
  const bob = await joinedClient(env, 'hide', 'bob');
  const hidden = await alice.client.next(
    (f) => isEvent('room', 'join')(f) && joinedIds(f).includes(bob.sessionId),
  );
  assert.deepEqual((hidden.event as { join: unknown[] }).join, [
    { sessionid: bob.sessionId, userid: 'bob', roomsessionid: bob.talkSessionId },
  ]);
  const shown = await watcher.client.next(
    (f) => isEvent('room', 'join')(f) && joinedIds(f).includes(bob.sessionId),
  );
  assert.deepEqual((shown.event as { join: unknown[] }).join, [
    {
      sessionid: bob.sessionId,
      userid: 'bob',
      user: { displayname: 'Bob' },
      roomsessionid: bob.talkSessionId,
    },
  ]);
});
