import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEvent, joinedIds, joinRoom, startRoomsEnv } from './helpers/rooms-env.js';

test('rooms join - join with Talk, room response with properties, own join event, leave', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  const room = env.dev.createRoom({ token: 'abc123', owner: 'alice', name: 'Team' });
  const talk = env.dev.joinRoom(room.token, { userId: 'alice' });
  const alice = await env.hello('alice');
  const response = await joinRoom(alice.client, 'abc123', talk.sessionId);
  assert.equal(response.type, 'room');
  const body = response.room as {
    roomid: string;
    properties: { name: string };
    bandwidth?: unknown;
  };
  assert.equal(body.roomid, 'abc123');
  assert.equal(body.properties.name, 'Team');
  assert.equal(body.bandwidth, undefined);
  const join = await alice.client.next(isEvent('room', 'join'));
  assert.deepEqual(join.event, {
    target: 'room',
    type: 'join',
    join: [
      {
        sessionid: alice.sessionId,
        userid: 'alice',
        user: { displayname: 'alice' },
        roomsessionid: talk.sessionId,
      },
    ],
  });
  const joinRequest = env.dev.backendRequests.find((r) => r.type === 'room');
  assert.deepEqual(joinRequest?.body, {
    type: 'room',
    room: { version: '1.0', roomid: 'abc123', userid: 'alice', sessionid: talk.sessionId },
  });
  assert.equal(joinRequest?.checksumValid, true);

  const leaveId = alice.client.send({ type: 'room', room: { roomid: '' } });
  const left = await alice.client.next('room');
  assert.deepEqual(left, { id: leaveId, type: 'room', room: { roomid: '' } });
  const leave = await env.dev.waitForBackendRequest(
    (r) => r.type === 'room' && (r.body as { room: { action?: string } }).room.action === 'leave',
  );
  assert.deepEqual(leave.body, {
    type: 'room',
    room: {
      version: '1.0',
      roomid: 'abc123',
      action: 'leave',
      userid: 'alice',
      sessionid: talk.sessionId,
    },
  });
  // Leaving again (not in a room) gets no answer at all.
  alice.client.send({ type: 'room', room: { roomid: '' } });
  await alice.client.expectNothing('room', 200);
});

test('rooms join - Talk errors pass through, already_joined carries the room', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('bob');
  env.dev.createRoom({ token: 'room1', owner: 'bob' });
  const talk = env.dev.joinRoom('room1', { userId: 'bob' });
  const bob = await env.hello('bob');
  const missing = await joinRoom(bob.client, 'nope', talk.sessionId);
  assert.equal(missing.type, 'error');
  assert.deepEqual(missing.error, {
    code: 'no_such_room',
    message: 'The user is not invited to this room.',
  });

  assert.equal((await joinRoom(bob.client, 'room1', talk.sessionId)).type, 'room');
  const again = await joinRoom(bob.client, 'room1', talk.sessionId);
  assert.equal(again.type, 'error');
  const error = again.error as {
    code: string;
    message: string;
    details: { room: { roomid: string; properties: unknown } };
  };
  assert.equal(error.code, 'already_joined');
  assert.equal(error.message, 'Already joined this room.');
  assert.equal(error.details.room.roomid, 'room1');
  assert.ok(error.details.room.properties);
});

test('rooms join - backend failures become internal_error, odd answers room_join_failed', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('carol');
  env.dev.createRoom({ token: 'r2', owner: 'carol' });
  const talk = env.dev.joinRoom('r2', { userId: 'carol' });
  const carol = await env.hello('carol');
  env.dev.injectFault({ kind: 'garbage' }, { type: 'room', times: 1 });
  const broken = await joinRoom(carol.client, 'r2', talk.sessionId);
  assert.equal((broken.error as { code: string }).code, 'internal_error');
  env.dev.injectFault(
    {
      kind: 'status',
      status: 200,
      body: JSON.stringify({ ocs: { meta: { statuscode: 200 }, data: { type: 'auth' } } }),
    },
    { type: 'room', times: 1 },
  );
  const odd = await joinRoom(carol.client, 'r2', talk.sessionId);
  assert.deepEqual(odd.error, { code: 'room_join_failed', message: 'Could not join the room.' });
  assert.equal((await joinRoom(carol.client, 'r2', talk.sessionId)).type, 'room');
});

test('rooms join - two clients see each other join and leave; bye leaves the room', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.addUser('bob');
  env.dev.createRoom({ token: 'meet', owner: 'alice' });
  const ta = env.dev.joinRoom('meet', { userId: 'alice' });
  const tb = env.dev.joinRoom('meet');
  const alice = await env.hello('alice');
  const guest = await env.hello(null);
  await joinRoom(alice.client, 'meet', ta.sessionId);
  assert.deepEqual(joinedIds(await alice.client.next(isEvent('room', 'join'))), [alice.sessionId]);
  await joinRoom(guest.client, 'meet', tb.sessionId);
  assert.deepEqual(joinedIds(await guest.client.next(isEvent('room', 'join'))), [guest.sessionId]);
  const others = await guest.client.next(isEvent('room', 'join'));
  assert.deepEqual(joinedIds(others), [alice.sessionId]);
  const seen = await alice.client.next(isEvent('room', 'join'));
  assert.deepEqual(seen.event, {
    target: 'room',
    type: 'join',
    join: [{ sessionid: guest.sessionId, userid: '', roomsessionid: tb.sessionId }],
  });
  guest.client.send({ type: 'bye', bye: {} });
  const leave = await alice.client.next(isEvent('room', 'leave'));
  assert.deepEqual((leave.event as { leave: string[] }).leave, [guest.sessionId]);
  await env.dev.waitForBackendRequest(
    (r) =>
      r.type === 'room' &&
      (r.body as { room: { action?: string; sessionid: string } }).room.action === 'leave' &&
      (r.body as { room: { sessionid: string } }).room.sessionid === tb.sessionId,
  );
});

test('rooms join - the same Talk session on a new connection kicks the old one', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('dave');
  env.dev.createRoom({ token: 'kick', owner: 'dave' });
  const talk = env.dev.joinRoom('kick', { userId: 'dave' });
  const first = await env.hello('dave');
  const second = await env.hello('dave');
  const observer = await env.hello('dave');
  const to = env.dev.joinRoom('kick', { userId: 'dave' });
  await joinRoom(observer.client, 'kick', to.sessionId);
  await joinRoom(first.client, 'kick', talk.sessionId);
  await observer.client.next(
    (f) => isEvent('room', 'join')(f) && joinedIds(f).includes(first.sessionId),
  );
  env.dev.clearRecorded();
  assert.equal((await joinRoom(second.client, 'kick', talk.sessionId)).type, 'room');
  const bye = await first.client.next('bye');
  assert.deepEqual(bye, { type: 'bye', bye: { reason: 'room_session_reconnected' } });
  await first.client.closed;
  const leave = await observer.client.next(isEvent('room', 'leave'));
  assert.deepEqual((leave.event as { leave: string[] }).leave, [first.sessionId]);
  // The kicked session left without telling Talk (the Talk session lives on).
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(
    env.dev.backendRequests.some(
      (r) => (r.body as { room?: { action?: string } }).room?.action === 'leave',
    ),
    false,
  );
});

test('rooms join - bandwidth from the backend config; anonymous timer stops on join, restarts on leave', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv({
    backendExtra: 'maxstreambitrate = 1000000\nmaxscreenbitrate = 2000000',
    timings: { anonymousJoinTimeoutMs: 600, housekeepingMs: 50 },
  });
  env.dev.createRoom({ token: 'bw' });
  const talk = env.dev.joinRoom('bw');
  const guest = await env.hello(null);
  const response = await joinRoom(guest.client, 'bw', talk.sessionId);
  assert.deepEqual((response.room as { bandwidth: unknown }).bandwidth, {
    maxstreambitrate: 1000000,
    maxscreenbitrate: 2000000,
  });
  // In the room the anonymous timeout does not apply.
  await guest.client.expectNothing('bye', 900);
  guest.client.send({ type: 'room', room: { roomid: '' } });
  await guest.client.next('room');
  const bye = await guest.client.next('bye', 3000);
  assert.deepEqual(bye, { type: 'bye', bye: { reason: 'room_join_timeout' } });
});

test('rooms join - one room per session: joining another room leaves the first', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('erin');
  env.dev.createRoom({ token: 'one', owner: 'erin' });
  env.dev.createRoom({ token: 'two', owner: 'erin' });
  const t1 = env.dev.joinRoom('one', { userId: 'erin' });
  const t2 = env.dev.joinRoom('two', { userId: 'erin' });
  const t3 = env.dev.joinRoom('one', { userId: 'erin' });
  const erin = await env.hello('erin');
  const watcher = await env.hello('erin');
  await joinRoom(watcher.client, 'one', t3.sessionId);
  await joinRoom(erin.client, 'one', t1.sessionId);
  await watcher.client.next(
    (f) => isEvent('room', 'join')(f) && joinedIds(f).includes(erin.sessionId),
  );
  const second = await joinRoom(erin.client, 'two', t2.sessionId);
  assert.equal((second.room as { roomid: string }).roomid, 'two');
  const leave = await watcher.client.next(isEvent('room', 'leave'));
  assert.deepEqual((leave.event as { leave: string[] }).leave, [erin.sessionId]);
  await env.dev.waitForBackendRequest(
    (r) =>
      (r.body as { room?: { action?: string; sessionid?: string } }).room?.sessionid ===
        t1.sessionId && (r.body as { room: { action?: string } }).room.action === 'leave',
  );
});
