import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isEvent,
  joinedClient,
  joinRoom,
  seesJoin,
  settle,
  startRoomsEnv,
} from './helpers/rooms-env.js';

test('backend api - invite and update go to the users sessions, wherever they are', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('bob');
  env.dev.addUser('carol');
  const bob = await env.hello('bob');
  const carol = await env.hello('carol');
  const res = await env.backendApi('room9', {
    type: 'invite',
    invite: { userids: ['bob'], alluserids: ['bob', 'carol'], properties: { name: 'Nine' } },
  });
  assert.deepEqual(res, { status: 200, text: '{}' });
  const invite = await bob.client.next('event');
  assert.deepEqual(invite.event, {
    target: 'roomlist',
    type: 'invite',
    invite: { roomid: 'room9', properties: { name: 'Nine' } },
  });
  const update = await carol.client.next('event');
  assert.deepEqual(update.event, {
    target: 'roomlist',
    type: 'update',
    update: { roomid: 'room9', properties: { name: 'Nine' } },
  });
  await bob.client.expectNothing('event', 150);
});

test('backend api - disinvite closes sessions in that room, by user and by Talk session id', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('owner');
  env.dev.addUser('bob');
  env.dev.createRoom({ token: 'dis', owner: 'owner' });
  env.dev.createRoom({ token: 'elsewhere' });
  const owner = await joinedClient(env, 'dis', 'owner');
  const bobIn = await joinedClient(env, 'dis', 'bob');
  const bobOut = await env.hello('bob');
  const guest = await joinedClient(env, 'dis', null);
  const other = await joinedClient(env, 'elsewhere', null);
  await seesJoin(owner.client, guest.sessionId);

  await env.backendApi('dis', {
    type: 'disinvite',
    disinvite: {
      userids: ['bob'],
      sessionids: [guest.talkSessionId, '0', 'unknown'],
      alluserids: ['owner'],
      properties: {},
    },
  });
  const expected = {
    target: 'roomlist',
    type: 'disinvite',
    disinvite: { roomid: 'dis', reason: 'disinvited' },
  };
  assert.deepEqual((await bobIn.client.next(isEvent('roomlist', 'disinvite'))).event, expected);
  assert.deepEqual((await bobOut.client.next(isEvent('roomlist', 'disinvite'))).event, expected);
  assert.deepEqual((await guest.client.next(isEvent('roomlist', 'disinvite'))).event, expected);
  await bobIn.client.closed;
  await guest.client.closed;
  assert.equal(bobOut.client.isClosed, false);
  const update = await owner.client.next(
    (f) => isEvent('roomlist', 'update')(f) && JSON.stringify(f).includes('"properties":{}'),
  );
  assert.deepEqual(update.event, {
    target: 'roomlist',
    type: 'update',
    update: { roomid: 'dis', properties: {} },
  });
  await owner.client.next((f) => isEvent('room', 'leave')(f));
  await other.client.expectNothing(isEvent('roomlist', 'disinvite'), 150);
});

test('backend api - disinvite reaches each session once, however often it is listed', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('owner');
  env.dev.addUser('bob');
  env.dev.createRoom({ token: 'twice', owner: 'owner' });
  env.dev.createRoom({ token: 'elsewhere' });
  const owner = await joinedClient(env, 'twice', 'owner');
  const guest = await joinedClient(env, 'twice', null);
  // In another room, so the disinvite for "twice" does not close it.
  const bobAway = await joinedClient(env, 'elsewhere', 'bob');
  await seesJoin(owner.client, guest.sessionId);

  const res = await env.backendApi('twice', {
    type: 'disinvite',
    disinvite: {
      userids: ['bob', 'bob'],
      sessionids: [guest.talkSessionId, bobAway.talkSessionId, guest.talkSessionId],
      alluserids: [],
      properties: {},
    },
  });
  assert.deepEqual(res, { status: 200, text: '{}' });
  const isDisinvite = isEvent('roomlist', 'disinvite');
  await bobAway.client.next(isDisinvite);
  await bobAway.client.expectNothing(isDisinvite, 200);
  assert.equal(bobAway.client.isClosed, false);
  await guest.client.closed;
  assert.equal(guest.client.buffered.filter(isDisinvite).length, 1);
});

test('backend api - update changes room properties, delete empties the room', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'upd', owner: 'alice' });
  const alice = await joinedClient(env, 'upd', 'alice');
  const internal = await env.internal();
  await joinRoom(internal.client, 'upd');
  await seesJoin(alice.client, internal.sessionId);

  await env.backendApi('upd', {
    type: 'update',
    update: { userids: ['alice'], properties: { name: 'New' } },
  });
  const room = await alice.client.next('room');
  assert.deepEqual(room, { type: 'room', room: { roomid: 'upd', properties: { name: 'New' } } });
  const roomlist = await alice.client.next(isEvent('roomlist', 'update'));
  assert.deepEqual((roomlist.event as { update: unknown }).update, {
    roomid: 'upd',
    properties: { name: 'New' },
  });
  // The same properties again: no room message.
  await env.backendApi('upd', {
    type: 'update',
    update: { userids: [], properties: { name: 'New' } },
  });
  await alice.client.expectNothing('room', 150);

  env.dev.clearRecorded();
  await env.backendApi('upd', { type: 'delete', delete: { userids: ['alice'] } });
  assert.deepEqual(await internal.client.next(isEvent('room', 'delete')), {
    type: 'event',
    event: { target: 'room', type: 'delete' },
  });
  const left = (f: { type: string; room?: unknown }) =>
    f.type === 'room' && (f.room as { roomid: string }).roomid === '';
  assert.deepEqual(await alice.client.next(left), { type: 'room', room: { roomid: '' } });
  assert.deepEqual(await internal.client.next(left), { type: 'room', room: { roomid: '' } });
  const deleted = await alice.client.next(isEvent('roomlist', 'disinvite'));
  assert.deepEqual((deleted.event as { disinvite: unknown }).disinvite, {
    roomid: 'upd',
    reason: 'deleted',
  });
  await alice.client.expectNothing(isEvent('room', 'leave'), 100);
  await env.dev.waitForBackendRequest(
    (r) =>
      (r.body as { room?: { action?: string; sessionid?: string } }).room?.sessionid ===
      alice.talkSessionId,
  );
  // The room is gone: joining again creates it afresh.
  assert.equal(alice.client.isClosed, false);
});

test('backend api - participants: Talk ids mapped, unknown dropped, permissions applied and hidden', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'parts', owner: 'alice' });
  const alice = await joinedClient(env, 'parts', 'alice');
  const guest = await joinedClient(env, 'parts', null);
  await seesJoin(alice.client, guest.sessionId);
  const isUpdate = isEvent('participants', 'update');
  // Let the devbackend's own notifications pass first.
  await settle(env, alice.client, guest.client);

  await env.backendApi('parts', {
    type: 'participants',
    participants: {
      changed: [{ sessionId: guest.talkSessionId, inCall: 0, permissions: ['control'] }],
      users: [
        { sessionId: alice.talkSessionId, inCall: 0, userId: 'alice', permissions: ['control'] },
        { sessionId: 'not-connected', inCall: 0 },
        { sessionId: '0', inCall: 0 },
        { inCall: 0 },
      ],
    },
  });
  const update = await alice.client.next(isUpdate);
  assert.deepEqual(update.event, {
    target: 'participants',
    type: 'update',
    update: {
      roomid: 'parts',
      users: [
        { sessionId: alice.sessionId, inCall: 0, userId: 'alice' },
        { sessionId: guest.sessionId, inCall: 0 },
      ],
    },
  });
  // The guest got the control permission: its control messages now reach alice.
  guest.client.send({
    type: 'control',
    control: { recipient: { type: 'session', sessionid: alice.sessionId }, data: { x: 1 } },
  });
  const control = await alice.client.next('control');
  assert.deepEqual((control.control as { data: unknown }).data, { x: 1 });

  // Nothing mappable: nothing published.
  await env.backendApi('parts', {
    type: 'participants',
    participants: { users: [{ sessionId: 'x' }] },
  });
  await alice.client.expectNothing(isUpdate, 150);
});

test('backend api - incall changes the call set; the all form ends the call', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'call', owner: 'alice' });
  const alice = await joinedClient(env, 'call', 'alice');
  const guest = await joinedClient(env, 'call', null);
  await seesJoin(alice.client, guest.sessionId);
  const callMessage = () =>
    alice.client.send({
      type: 'message',
      message: { recipient: { type: 'call' }, data: { ping: 1 } },
    });

  callMessage();
  await guest.client.expectNothing('message', 150);
  await env.backendApi('call', {
    type: 'incall',
    incall: {
      incall: 7,
      changed: [{ sessionId: guest.talkSessionId, inCall: 7 }],
      users: [{ sessionId: guest.talkSessionId, inCall: 7 }],
    },
  });
  const update = await alice.client.next(
    (f) => isEvent('participants', 'update')(f) && JSON.stringify(f).includes('"inCall":7'),
  );
  assert.deepEqual((update.event as { update: unknown }).update, {
    roomid: 'call',
    users: [{ sessionId: guest.sessionId, inCall: 7 }],
  });
  callMessage();
  assert.deepEqual((await guest.client.next('message')).message, {
    sender: { type: 'call', sessionid: alice.sessionId, userid: 'alice' },
    data: { ping: 1 },
  });

  await env.backendApi('call', { type: 'incall', incall: { incall: 0, all: true } });
  const ended = await guest.client.next(
    (f) => isEvent('participants', 'update')(f) && JSON.stringify(f).includes('"all":true'),
  );
  assert.deepEqual(ended.event, {
    target: 'participants',
    type: 'update',
    update: { roomid: 'call', incall: 0, all: true },
  });
  callMessage();
  await guest.client.expectNothing('message', 150);
  // Ending a call nobody is in sends nothing.
  await env.backendApi('call', { type: 'incall', incall: { incall: false, all: true } });
  await guest.client.expectNothing((f) => JSON.stringify(f).includes('"all":true'), 150);
});

test('backend api - chat messages: comments for chat-relay clients, a refresh for others', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'chat', owner: 'alice' });
  const modern = await joinedClient(env, 'chat', 'alice', ['chat-relay']);
  const old = await joinedClient(env, 'chat', null);
  const comment = { id: 5, message: 'hello', actorDisplayName: 'Alice' };
  await env.backendApi('chat', {
    type: 'message',
    message: { data: { type: 'chat', chat: { refresh: true, comment } } },
  });
  const isMessage = isEvent('room', 'message');
  assert.deepEqual((await modern.client.next(isMessage)).event, {
    target: 'room',
    type: 'message',
    message: { roomid: 'chat', data: { type: 'chat', chat: { comment } } },
  });
  assert.deepEqual((await old.client.next(isMessage)).event, {
    target: 'room',
    type: 'message',
    message: { roomid: 'chat', data: { type: 'chat', chat: { refresh: true } } },
  });
  // Other data passes unchanged.
  await env.backendApi('chat', {
    type: 'message',
    message: { data: { type: 'recording', recording: { status: 1 } } },
  });
  assert.deepEqual(((await old.client.next(isMessage)).event as { message: unknown }).message, {
    roomid: 'chat',
    data: { type: 'recording', recording: { status: 1 } },
  });
});

test('backend api - switchto in list and map form', { timeout: 15_000 }, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'main', owner: 'alice' });
  const alice = await joinedClient(env, 'main', 'alice');
  const guest = await joinedClient(env, 'main', null);
  await env.backendApi('main', {
    type: 'switchto',
    switchto: { roomid: 'breakout', sessions: [guest.talkSessionId, '0', guest.talkSessionId] },
  });
  assert.deepEqual((await guest.client.next(isEvent('room', 'switchto'))).event, {
    target: 'room',
    type: 'switchto',
    switchto: { roomid: 'breakout' },
  });
  await alice.client.expectNothing(isEvent('room', 'switchto'), 100);
  // Listed twice, switched once.
  await guest.client.expectNothing(isEvent('room', 'switchto'), 100);
  await env.backendApi('main', {
    type: 'switchto',
    switchto: {
      roomid: 'b2',
      sessions: { [alice.talkSessionId]: { reason: 'x' }, [guest.talkSessionId]: null },
    },
  });
  assert.deepEqual((await alice.client.next(isEvent('room', 'switchto'))).event, {
    target: 'room',
    type: 'switchto',
    switchto: { roomid: 'b2', details: { reason: 'x' } },
  });
  assert.deepEqual(
    ((await guest.client.next(isEvent('room', 'switchto'))).event as { switchto: unknown })
      .switchto,
    {
      roomid: 'b2',
    },
  );
});

test('backend api - bad bodies are refused', { timeout: 15_000 }, async () => {
  await using env = await startRoomsEnv();
  assert.deepEqual(await env.backendApi('r', { type: 'transient', transient: {} }), {
    status: 400,
    text: 'Unsupported request type: transient\n',
  });
  assert.deepEqual(await env.backendApi('r', { type: 'invite' }), {
    status: 400,
    text: 'Missing invite in request\n',
  });
  assert.deepEqual(await env.backendApi('r', { type: 'invite', invite: { userids: 'bob' } }), {
    status: 400,
    text: 'Could not read body\n',
  });
  assert.deepEqual(await env.backendApi('r', [1, 2]), {
    status: 400,
    text: 'Could not read body\n',
  });
  // Upstream fails these while processing (500); they are bad input, so they get a 400 here.
  for (const sessions of ['oops', 0, [null], [1], [['x']]]) {
    assert.deepEqual(
      await env.backendApi('r', { type: 'switchto', switchto: { roomid: 'x', sessions } }),
      { status: 400, text: 'Invalid sessions in switchto request\n' },
      JSON.stringify(sessions),
    );
  }
  // Requests for rooms nobody is in are accepted and do nothing.
  assert.deepEqual(
    await env.backendApi('empty', { type: 'message', message: { data: { a: 1 } } }),
    {
      status: 200,
      text: '{}',
    },
  );
});
