import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEvent, joinedIds, seesJoin } from '../server/helpers/rooms-env.js';
import { startInProcessCluster } from './helpers/inprocess-cluster.js';

test('in-process cluster - members on three servers see each other join and leave', {
  timeout: 20_000,
}, async () => {
  await using c = await startInProcessCluster(3);
  c.dev.addUser('alice');
  c.dev.addUser('bob');
  c.dev.addUser('carol');
  c.dev.createRoom({ token: 'meet', owner: 'alice' });
  const alice = await c.joined(0, 'meet', 'alice');
  const bob = await c.joined(1, 'meet', 'bob');
  // Bob's server is new to the room: the join list includes Alice from server 1.
  const others = await bob.client.next(isEvent('room', 'join'));
  assert.deepEqual(joinedIds(others), [alice.sessionId]);
  await seesJoin(alice.client, bob.sessionId);
  const carol = await c.joined(2, 'meet', 'carol');
  const list = await carol.client.next(isEvent('room', 'join'));
  assert.deepEqual(joinedIds(list).sort(), [alice.sessionId, bob.sessionId].sort());
  await seesJoin(alice.client, carol.sessionId);
  await seesJoin(bob.client, carol.sessionId);

  bob.client.send({ type: 'bye', bye: {} });
  for (const other of [alice, carol]) {
    const leave = await other.client.next(isEvent('room', 'leave'));
    assert.deepEqual((leave.event as { leave: string[] }).leave, [bob.sessionId]);
  }
});

test('in-process cluster - session, user, room and call messages cross servers', {
  timeout: 20_000,
}, async () => {
  await using c = await startInProcessCluster(2);
  c.dev.addUser('alice');
  c.dev.addUser('bob');
  c.dev.createRoom({ token: 'chat', owner: 'alice' });
  const alice = await c.joined(0, 'chat', 'alice');
  const bob = await c.joined(1, 'chat', 'bob');
  await seesJoin(alice.client, bob.sessionId);

  alice.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: bob.sessionId }, data: { n: 1 } },
  });
  const direct = await bob.client.next('message');
  assert.deepEqual(direct.message, {
    sender: { type: 'session', sessionid: alice.sessionId, userid: 'alice' },
    data: { n: 1 },
  });
  bob.client.send({
    type: 'message',
    message: { recipient: { type: 'user', userid: 'alice' }, data: { n: 2 } },
  });
  const toUser = await alice.client.next('message');
  assert.deepEqual((toUser.message as { data: unknown }).data, { n: 2 });
  alice.client.send({
    type: 'message',
    message: { recipient: { type: 'room' }, data: { n: 3 } },
  });
  const toRoom = await bob.client.next('message');
  assert.deepEqual(toRoom.message, {
    sender: { type: 'room', sessionid: alice.sessionId, userid: 'alice' },
    data: { n: 3 },
  });
  // Nobody is in the call yet: a call message reaches nobody.
  alice.client.send({ type: 'message', message: { recipient: { type: 'call' }, data: { n: 4 } } });
  await bob.client.expectNothing('message', 300);
  c.dev.setInCall(alice.talkSessionId, 3);
  c.dev.setInCall(bob.talkSessionId, 3);
  await c.dev.flushNotifications();
  await bob.client.next(
    (f) =>
      isEvent('participants', 'update')(f) &&
      JSON.stringify(f).includes(bob.sessionId) &&
      JSON.stringify(f).includes(alice.sessionId),
  );
  alice.client.send({ type: 'message', message: { recipient: { type: 'call' }, data: { n: 5 } } });
  const toCall = await bob.client.next('message');
  assert.deepEqual((toCall.message as { data: unknown }).data, { n: 5 });
  // The same-call check for requestoffer works across servers.
  const manager = c.nodes[0]?.rooms.manager;
  const session = c.nodes[0]?.sig.server.hub.session(alice.sessionId);
  assert.ok(manager && session);
  assert.equal(manager.whyNotInSameCall(session, bob.sessionId), undefined);
  assert.equal(manager.whyNotInSameCall(session, 'nobody'), 'recipient unknown');
});

test('in-process cluster - backend requests reach every server, transient data is shared', {
  timeout: 20_000,
}, async () => {
  await using c = await startInProcessCluster(3);
  c.dev.addUser('alice');
  c.dev.addUser('bob');
  c.dev.createRoom({ token: 'tr', owner: 'alice' });
  const alice = await c.joined(0, 'tr', 'alice');
  const bob = await c.joined(1, 'tr', 'bob');
  await seesJoin(alice.client, bob.sessionId);
  assert.equal(
    await c.backendApi(0, 'tr', { type: 'message', message: { data: { type: 'custom' } } }),
    200,
  );
  for (const who of [alice, bob]) {
    const event = await who.client.next(isEvent('room', 'message'));
    assert.deepEqual((event.event as { message: unknown }).message, {
      roomid: 'tr',
      data: { type: 'custom' },
    });
  }
  // Permissions for a session of another server: Talk only told server 1.
  await c.backendApi(0, 'tr', {
    type: 'participants',
    participants: {
      changed: [
        { sessionId: alice.talkSessionId, permissions: ['transient-data'] },
        { sessionId: bob.talkSessionId, permissions: ['transient-data'] },
      ],
    },
  });
  const update = await bob.client.next(isEvent('participants', 'update'));
  assert.deepEqual(
    (update.event as { update: { users: Array<{ sessionId: string }> } }).update.users
      .map((u) => u.sessionId)
      .sort(),
    [alice.sessionId, bob.sessionId].sort(),
  );
  bob.client.send({ type: 'transient', transient: { type: 'set', key: 'k', value: { v: 1 } } });
  const set = await alice.client.next('transient');
  assert.deepEqual(set.transient, { type: 'set', key: 'k', value: { v: 1 } });
  // A server new to the room gets the data as initial state.
  c.dev.addUser('carol');
  const talk = c.dev.joinRoom('tr', { userId: 'carol' });
  const carol = await c.hello(2, 'carol');
  carol.client.send({ type: 'room', room: { roomid: 'tr', sessionid: talk.sessionId } });
  const initial = await carol.client.next('transient');
  assert.deepEqual(initial.transient, { type: 'initial', data: { k: { v: 1 } } });
});

test('in-process cluster - resume on another server relays to the session', {
  timeout: 20_000,
}, async () => {
  await using c = await startInProcessCluster(2);
  c.dev.addUser('alice');
  c.dev.addUser('bob');
  c.dev.createRoom({ token: 'rs', owner: 'alice' });
  const alice = await c.joined(0, 'rs', 'alice');
  const bob = await c.joined(1, 'rs', 'bob');
  await seesJoin(alice.client, bob.sessionId);
  await alice.client.close();
  const again = await c.nodes[1]?.sig.connect();
  assert.ok(again);
  again.send({ type: 'hello', hello: { version: '1.0', resumeid: alice.resumeId } });
  const hello = await again.next('hello');
  assert.equal((hello.hello as { sessionid: string }).sessionid, alice.sessionId);
  bob.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: alice.sessionId }, data: 'hi' },
  });
  assert.equal(((await again.next('message')).message as { data: unknown }).data, 'hi');
  again.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: bob.sessionId }, data: 'back' },
  });
  assert.equal(((await bob.client.next('message')).message as { data: unknown }).data, 'back');
  const unknown = await c.nodes[1]?.sig.connect();
  assert.ok(unknown);
  unknown.send({ type: 'hello', hello: { version: '1.0', resumeid: `${bob.resumeId}x` } });
  const error = await unknown.next('error');
  assert.equal((error.error as { code: string }).code, 'no_such_session');
  await again.close();
  await unknown.close();
});

test('in-process cluster - an outage and a dead server: resync, then ghosts leave', {
  timeout: 20_000,
}, async () => {
  await using c = await startInProcessCluster(2);
  c.dev.addUser('alice');
  c.dev.addUser('bob');
  c.dev.addUser('carol');
  c.dev.createRoom({ token: 'out', owner: 'alice' });
  const alice = await c.joined(0, 'out', 'alice');
  const bob = await c.joined(1, 'out', 'bob');
  await seesJoin(alice.client, bob.sessionId);
  await seesJoin(bob.client, alice.sessionId);
  const bus1 = c.nodes[1]?.bus;
  assert.ok(bus1);
  c.network.setConnected(bus1, false);
  // Server 2 misses Carol's join during the outage, and learns it on reconnect.
  const carol = await c.joined(0, 'out', 'carol');
  await seesJoin(alice.client, carol.sessionId);
  await bob.client.expectNothing(isEvent('room', 'join'), 200);
  c.network.setConnected(bus1, true);
  await seesJoin(bob.client, carol.sessionId);
  // Server 2 dies without a goodbye: its member leaves the rooms of server 1.
  c.network.setConnected(bus1, false);
  await bus1.close();
  const leave = await alice.client.next(isEvent('room', 'leave'), 5000);
  assert.deepEqual((leave.event as { leave: string[] }).leave, [bob.sessionId]);
});

test('in-process cluster - internal clients and virtual sessions of another server', {
  timeout: 20_000,
}, async () => {
  await using c = await startInProcessCluster(2);
  c.dev.addUser('alice');
  c.dev.createRoom({ token: 'sip', owner: 'alice' });
  const alice = await c.joined(1, 'sip', 'alice');
  const node0 = c.nodes[0];
  assert.ok(node0);
  const internal = await node0.sig.connect();
  internal.send(node0.sig.internalHello(c.dev.url));
  const internalId = ((await internal.next('hello')).hello as { sessionid: string }).sessionid;
  internal.send({ type: 'room', room: { roomid: 'sip' } });
  await internal.next('room');
  await seesJoin(alice.client, internalId);
  const listed = await alice.client.next(
    (f) => isEvent('participants', 'update')(f) && JSON.stringify(f).includes(internalId),
  );
  const entry = (
    listed.event as { update: { users: Array<Record<string, unknown>> } }
  ).update.users.find((u) => u.sessionId === internalId);
  assert.equal(entry?.internal, true);
  internal.send({
    type: 'internal',
    internal: {
      type: 'addsession',
      addsession: { sessionid: 'call-1', roomid: 'sip', userid: 'phone', flags: 1 },
    },
  });
  const join = await alice.client.next(
    (f) => isEvent('room', 'join')(f) && !joinedIds(f).includes(internalId),
  );
  const virtualId = joinedIds(join)[0] as string;
  const flags = await alice.client.next(isEvent('participants', 'flags'));
  assert.deepEqual((flags.event as { flags: unknown }).flags, {
    roomid: 'sip',
    sessionid: virtualId,
    flags: 1,
  });
  // A control message from the other server reaches the internal client, under its own id.
  await c.backendApi(1, 'sip', {
    type: 'participants',
    participants: { changed: [{ sessionId: alice.talkSessionId, permissions: ['control'] }] },
  });
  await alice.client.next(isEvent('participants', 'update'));
  alice.client.send({
    type: 'control',
    control: { recipient: { type: 'session', sessionid: virtualId }, data: { type: 'mute' } },
  });
  const control = await internal.next('control');
  assert.deepEqual(control.control, {
    sender: { type: 'session', sessionid: alice.sessionId, userid: 'alice' },
    recipient: { type: 'session', sessionid: 'call-1' },
    data: { type: 'mute' },
  });
  internal.send({
    type: 'internal',
    internal: { type: 'removesession', removesession: { sessionid: 'call-1', roomid: 'sip' } },
  });
  const leave = await alice.client.next(isEvent('room', 'leave'));
  assert.deepEqual((leave.event as { leave: string[] }).leave, [virtualId]);
  await internal.close();
});
