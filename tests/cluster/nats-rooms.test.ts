import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from '@spreed-ts/testkit';
import { isEvent, joinedIds, joinRoom, seesJoin } from '../server/helpers/rooms-env.js';
import { startClusterEnv } from './helpers/cluster-env.js';

const dataOf = (frame: Frame) => (frame.message as { data: unknown }).data;

test('nats cluster - three servers: joins, leaves and messages of every kind cross servers', {
  timeout: 60_000,
}, async () => {
  await using env = await startClusterEnv();
  for (const user of ['alice', 'bob', 'carol']) {
    env.dev.addUser(user);
  }
  env.dev.createRoom({ token: 'meet', owner: 'alice' });
  const alice = await env.joined(0, 'meet', 'alice');
  const bob = await env.joined(1, 'meet', 'bob');
  assert.deepEqual(joinedIds(await bob.client.next(isEvent('room', 'join'))), [alice.sessionId]);
  await seesJoin(alice.client, bob.sessionId);
  const carol = await env.joined(2, 'meet', 'carol');
  const list = await carol.client.next(isEvent('room', 'join'));
  assert.deepEqual(joinedIds(list).sort(), [alice.sessionId, bob.sessionId].sort());
  const entry = (list.event as { join: Array<Record<string, unknown>> }).join.find(
    (e) => e.sessionid === alice.sessionId,
  );
  assert.deepEqual(entry, {
    sessionid: alice.sessionId,
    userid: 'alice',
    user: { displayname: 'alice' },
    roomsessionid: alice.talkSessionId,
  });
  await seesJoin(alice.client, carol.sessionId);
  await seesJoin(bob.client, carol.sessionId);

  // To a session on another server, and back.
  alice.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: carol.sessionId }, data: 'a->c' },
  });
  const direct = await carol.client.next('message');
  assert.deepEqual(direct.message, {
    sender: { type: 'session', sessionid: alice.sessionId, userid: 'alice' },
    data: 'a->c',
  });
  // To a user whose session is elsewhere.
  carol.client.send({
    type: 'message',
    message: { recipient: { type: 'user', userid: 'bob' }, data: 'c->bob' },
  });
  assert.equal(dataOf(await bob.client.next('message')), 'c->bob');
  // To the room: everybody else, on every server, exactly once.
  bob.client.send({ type: 'message', message: { recipient: { type: 'room' }, data: 'room' } });
  assert.equal(dataOf(await alice.client.next('message')), 'room');
  assert.equal(dataOf(await carol.client.next('message')), 'room');
  await bob.client.expectNothing('message', 200);
  await alice.client.expectNothing('message', 100);
  // To the call: only those in it (Talk tells server 0 only).
  env.dev.setInCall(alice.talkSessionId, 3);
  env.dev.setInCall(carol.talkSessionId, 3);
  await env.dev.flushNotifications();
  await carol.client.next(
    (f) => isEvent('participants', 'update')(f) && JSON.stringify(f).includes(alice.sessionId),
  );
  await bob.client.next(isEvent('participants', 'update'));
  alice.client.send({ type: 'message', message: { recipient: { type: 'call' }, data: 'call' } });
  assert.equal(dataOf(await carol.client.next('message')), 'call');
  await bob.client.expectNothing('message', 300);

  // Leaving, and a bye, are seen everywhere.
  const leaveId = carol.client.send({ type: 'room', room: { roomid: '' } });
  await carol.client.next((f) => f.id === leaveId);
  for (const other of [alice, bob]) {
    const leave = await other.client.next(isEvent('room', 'leave'));
    assert.deepEqual((leave.event as { leave: string[] }).leave, [carol.sessionId]);
  }
  bob.client.send({ type: 'bye', bye: {} });
  const gone = await alice.client.next(isEvent('room', 'leave'));
  assert.deepEqual((gone.event as { leave: string[] }).leave, [bob.sessionId]);
});

test('nats cluster - transient data and the member list are the same on every server', {
  timeout: 60_000,
}, async () => {
  await using env = await startClusterEnv();
  env.dev.addUser('alice');
  env.dev.addUser('bob');
  env.dev.addUser('dave');
  env.dev.createRoom({ token: 'td', owner: 'alice' });
  const alice = await env.joined(0, 'td', 'alice');
  const bob = await env.joined(1, 'td', 'bob');
  await seesJoin(alice.client, bob.sessionId);
  await seesJoin(bob.client, alice.sessionId);
  // Talk grants transient-data to both; it notifies server 0 only.
  assert.equal(
    await env.backendApi(0, 'td', {
      type: 'participants',
      participants: {
        changed: [
          { sessionId: alice.talkSessionId, permissions: ['transient-data'] },
          { sessionId: bob.talkSessionId, permissions: ['transient-data'] },
        ],
        users: [],
      },
    }),
    200,
  );
  await bob.client.next(isEvent('participants', 'update'));
  bob.client.send({ type: 'transient', transient: { type: 'set', key: 'topic', value: 'x' } });
  for (const who of [alice, bob]) {
    assert.deepEqual((await who.client.next('transient')).transient, {
      type: 'set',
      key: 'topic',
      value: 'x',
    });
  }
  alice.client.send({
    type: 'transient',
    transient: { type: 'set', key: 'short', value: 1, ttl: 500_000_000 },
  });
  assert.equal(((await bob.client.next('transient')).transient as { key: string }).key, 'short');
  // A server without the room gets the data (and members) when its first session joins.
  const talk = env.dev.joinRoom('td', { userId: 'dave' });
  const dave = await env.hello(2, 'dave');
  const joinId = dave.client.send({
    type: 'room',
    room: { roomid: 'td', sessionid: talk.sessionId },
  });
  await dave.client.next((f) => f.id === joinId);
  const initial = await dave.client.next('transient');
  assert.equal((initial.transient as { type: string }).type, 'initial');
  assert.equal((initial.transient as { data: { topic: string } }).data.topic, 'x');
  const joins = [
    ...joinedIds(await dave.client.next(isEvent('room', 'join'))),
    ...joinedIds(await dave.client.next(isEvent('room', 'join'))),
  ];
  assert.deepEqual(joins.sort(), [alice.sessionId, bob.sessionId, dave.sessionId].sort());
  // The TTL expires everywhere.
  for (const who of [alice, bob, dave]) {
    const removed = await who.client.next(
      (f) => f.type === 'transient' && (f.transient as { type: string }).type === 'remove',
      3000,
    );
    assert.equal((removed.transient as { key: string }).key, 'short');
  }
  // The same Talk session joining elsewhere takes over (one connection per Talk session).
  const again = await env.hello(2, 'bob');
  const response = await joinRoom(again.client, 'td', bob.talkSessionId);
  assert.equal(response.type, 'room');
  const bye = await bob.client.next('bye');
  assert.deepEqual(bye.bye, { reason: 'room_session_reconnected' });
  const leave = await alice.client.next(isEvent('room', 'leave'));
  assert.deepEqual((leave.event as { leave: string[] }).leave, [bob.sessionId]);
});
