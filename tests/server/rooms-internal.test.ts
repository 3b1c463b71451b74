import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from '@spreed-ts/testkit';
import {
  isEvent,
  joinedClient,
  joinedIds,
  joinRoom,
  seesJoin,
  settle,
  startRoomsEnv,
} from './helpers/rooms-env.js';

type Users = { update: { users?: Array<Record<string, unknown>> } };
const usersOf = (f: Frame) => (f.event as Users).update.users ?? [];

test('internal - joins without Talk, shows up as internal participant, sets its in-call state', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'int', owner: 'alice' });
  const alice = await joinedClient(env, 'int', 'alice');
  await settle(env, alice.client);
  env.dev.clearRecorded();
  const internal = await env.internal(['custom-feature']);
  const response = await joinRoom(internal.client, 'int');
  // The room exists already, so the internal client gets its stored properties.
  assert.equal((response.room as { roomid: string }).roomid, 'int');
  assert.equal((response.room as { properties: { name: string } }).properties.name, 'int');
  assert.equal(env.dev.backendRequests.filter((r) => r.type === 'room').length, 0);
  const join = await seesJoin(alice.client, internal.sessionId);
  assert.deepEqual(join.event, {
    target: 'room',
    type: 'join',
    join: [{ sessionid: internal.sessionId, userid: '', features: ['custom-feature'] }],
  });
  const update = await alice.client.next(isEvent('participants', 'update'));
  const entry = usersOf(update).find((u) => u.sessionId === internal.sessionId);
  assert.equal(entry?.internal, true);
  assert.equal(entry?.inCall, 3);
  assert.deepEqual(entry?.features, ['custom-feature']);
  assert.equal(typeof entry?.lastPing, 'number');

  internal.client.send({ type: 'internal', internal: { type: 'incall', incall: { incall: 0 } } });
  const changed = await alice.client.next(isEvent('participants', 'update'));
  assert.equal(usersOf(changed).find((u) => u.sessionId === internal.sessionId)?.inCall, 0);
  // Non-internal sessions cannot send internal messages.
  alice.client.send({ type: 'internal', internal: { type: 'incall', incall: { incall: 1 } } });
  await alice.client.expectNothing(undefined, 150);
});

test('internal - virtual sessions: add, message routing, flags, in-call, remove, owner close', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'sip', owner: 'alice' });
  const alice = await joinedClient(env, 'sip', 'alice');
  const internal = await env.internal();
  await joinRoom(internal.client, 'sip');
  await seesJoin(alice.client, internal.sessionId);
  await settle(env, alice.client, internal.client);

  internal.client.send({
    type: 'internal',
    internal: {
      type: 'addsession',
      addsession: {
        sessionid: 'call-1',
        roomid: 'sip',
        userid: 'phone',
        user: { displayname: 'Phone' },
        flags: 1,
      },
    },
  });
  const join = await alice.client.next(isEvent('room', 'join'));
  const virtualId = joinedIds(join)[0] as string;
  assert.deepEqual(join.event, {
    target: 'room',
    type: 'join',
    join: [{ sessionid: virtualId, userid: 'phone', user: { displayname: 'Phone' } }],
  });
  const session = await env.dev.waitForBackendRequest((r) => r.type === 'session');
  assert.deepEqual(session.body, {
    type: 'session',
    session: {
      version: '1.0',
      roomid: 'sip',
      action: 'add',
      sessionid: virtualId,
      userid: 'phone',
      user: { displayname: 'Phone' },
    },
  });
  const update = await alice.client.next(isEvent('participants', 'update'));
  assert.deepEqual(
    usersOf(update).find((u) => u.sessionId === virtualId),
    {
      inCall: 9,
      sessionId: virtualId,
      lastPing: usersOf(update).find((u) => u.sessionId === virtualId)?.lastPing,
      virtual: true,
    },
  );
  assert.deepEqual((await alice.client.next(isEvent('participants', 'flags'))).event, {
    target: 'participants',
    type: 'flags',
    flags: { roomid: 'sip', sessionid: virtualId, flags: 1 },
  });

  // Messages to the virtual session reach its owner with the owner's id for it.
  alice.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: virtualId }, data: { x: 1 } },
  });
  assert.deepEqual((await internal.client.next('message')).message, {
    sender: { type: 'session', sessionid: alice.sessionId, userid: 'alice' },
    recipient: { type: 'session', sessionid: 'call-1' },
    data: { x: 1 },
  });

  internal.client.send({
    type: 'internal',
    internal: {
      type: 'updatesession',
      updatesession: { sessionid: 'call-1', roomid: 'sip', flags: 4, incall: 0 },
    },
  });
  assert.equal(
    (
      (await alice.client.next(isEvent('participants', 'flags'))).event as {
        flags: { flags: number };
      }
    ).flags.flags,
    4,
  );
  const inCall = await alice.client.next(isEvent('participants', 'update'));
  assert.equal(usersOf(inCall).find((u) => u.sessionId === virtualId)?.inCall, 0);

  // Talk disinviting the virtual session makes its owner hang up.
  await env.backendApi('sip', {
    type: 'disinvite',
    disinvite: { sessionids: [virtualId, virtualId], alluserids: [], properties: {} },
  });
  assert.deepEqual(await internal.client.next('control'), {
    type: 'control',
    control: {
      sender: null,
      recipient: { type: 'session', sessionid: 'call-1', userid: 'phone' },
      data: { type: 'hangup', hangup: { reason: 'disinvited' } },
    },
  });
  // Listed twice, hung up once.
  await internal.client.expectNothing('control', 200);

  internal.client.send({
    type: 'internal',
    internal: { type: 'removesession', removesession: { sessionid: 'call-1', roomid: 'sip' } },
  });
  assert.deepEqual(
    ((await alice.client.next(isEvent('room', 'leave'))).event as { leave: string[] }).leave,
    [virtualId],
  );
  await env.dev.waitForBackendRequest(
    (r) =>
      r.type === 'session' &&
      (r.body as { session: { action: string } }).session.action === 'remove',
  );

  // Virtual sessions end with their internal client.
  internal.client.send({
    type: 'internal',
    internal: { type: 'addsession', addsession: { sessionid: 'call-2', roomid: 'sip' } },
  });
  const second = joinedIds(await alice.client.next(isEvent('room', 'join')))[0];
  internal.client.send({ type: 'bye', bye: {} });
  const leaves: string[] = [];
  while (leaves.length < 2) {
    leaves.push(
      ...((await alice.client.next(isEvent('room', 'leave'))).event as { leave: string[] }).leave,
    );
  }
  assert.deepEqual(leaves.sort(), [internal.sessionId, second].sort());
});

test('internal - virtual sessions with a Talk actor join through Talk; failures are add_failed', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'act', owner: 'alice' });
  const alice = await joinedClient(env, 'act', 'alice');
  const internal = await env.internal();
  await joinRoom(internal.client, 'act');
  await seesJoin(alice.client, internal.sessionId);
  const add = (sessionid: string, actorId: string) =>
    internal.client.send({
      type: 'internal',
      internal: {
        type: 'addsession',
        addsession: {
          sessionid,
          roomid: 'act',
          userid: actorId,
          options: { actorId, actorType: 'users' },
        },
      },
    });
  const failing = add('bad', 'nobody');
  assert.deepEqual(await internal.client.next('error'), {
    id: failing,
    type: 'error',
    error: { code: 'add_failed', message: 'The user is not invited to this room.' },
  });
  add('good', 'alice');
  const request = await env.dev.waitForBackendRequest(
    (r) => r.type === 'room' && (r.body as { room: { actorid?: string } }).room.actorid === 'alice',
  );
  const body = (request.body as { room: Record<string, unknown> }).room;
  assert.equal(body.actortype, 'users');
  assert.equal(body.incall, 9);
  const join = await alice.client.next(
    (f) => isEvent('room', 'join')(f) && joinedIds(f).includes(String(body.sessionid)),
  );
  assert.ok(join);
});

test('internal - dialout through a SIP bridge, call status as transient data', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv({ tuning: { dialoutTimeoutMs: 300 } });
  env.dev.addUser('alice');
  env.dev.createRoom({ token: '4711', owner: 'alice' });
  const alice = await joinedClient(env, '4711', 'alice');
  await settle(env, alice.client);

  assert.deepEqual(await env.backendApi('4711', { type: 'dialout', dialout: { number: '' } }), {
    status: 400,
    text: '{"type":"dialout","dialout":{"error":{"code":"number_missing","message":"No number provided"}}}',
  });
  assert.equal(
    (await env.backendApi('4711', { type: 'dialout', dialout: { number: '123' } })).status,
    400,
  );
  assert.equal(
    (await env.backendApi('abc', { type: 'dialout', dialout: { number: '+49123' } })).status,
    400,
  );
  const none = await env.backendApi('4711', { type: 'dialout', dialout: { number: '+49123' } });
  assert.equal(none.status, 404);
  assert.match(none.text, /no_client_available/);

  const bridge = await env.internal(['start-dialout']);
  const pending = env.backendApi('4711', {
    type: 'dialout',
    dialout: { number: '+49123', options: { a: 1 } },
  });
  const request = await bridge.client.next('internal');
  assert.deepEqual(request.internal, {
    type: 'dialout',
    dialout: {
      roomid: '4711',
      backend: env.dev.url,
      request: { number: '+49123', options: { a: 1 } },
    },
  });
  bridge.client.send({
    id: request.id,
    type: 'internal',
    internal: {
      type: 'dialout',
      dialout: { type: 'status', roomid: '4711', status: { callid: 'c1', status: 'accepted' } },
    },
  });
  assert.deepEqual(await pending, {
    status: 200,
    text: '{"type":"dialout","dialout":{"callid":"c1"}}',
  });
  // The accepted status also went to the room.
  assert.deepEqual(await alice.client.next('transient'), {
    type: 'transient',
    transient: { type: 'set', key: 'callstatus_c1', value: { callid: 'c1', status: 'accepted' } },
  });
  bridge.client.send({
    type: 'internal',
    internal: {
      type: 'dialout',
      dialout: {
        type: 'status',
        roomid: '4711',
        status: { callid: 'c1', status: 'cleared', cause: 'hangup' },
      },
    },
  });
  await alice.client.next('transient');
  const removed = await alice.client.next('transient', 8000);
  assert.deepEqual(removed.transient, {
    type: 'remove',
    key: 'callstatus_c1',
    oldvalue: { callid: 'c1', status: 'cleared', cause: 'hangup' },
  });

  // No answer in time: a gateway error naming the timeout.
  const timeout = await env.backendApi('4711', { type: 'dialout', dialout: { number: '+49123' } });
  assert.equal(timeout.status, 502);
  assert.match(timeout.text, /"code":"timeout"/);
});

test('internal - room ping reports the Talk sessions combined up to the ping limit', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv({ tuning: { pingIntervalMs: 200 } });
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'p1', owner: 'alice' });
  env.dev.createRoom({ token: 'p2' });
  const alice = await joinedClient(env, 'p1', 'alice');
  const guest = await joinedClient(env, 'p2', null);
  const ping = await env.dev.waitForBackendRequest(
    (r) =>
      r.type === 'ping' && (r.body as { ping: { entries: unknown[] } }).ping.entries.length === 2,
    5000,
  );
  const body = (ping.body as { ping: { version: string; roomid: string; entries: unknown[] } })
    .ping;
  assert.equal(body.version, '1.0');
  assert.equal(body.roomid, '');
  assert.deepEqual(
    new Set(body.entries.map((e) => JSON.stringify(e))),
    new Set([
      JSON.stringify({ userid: 'alice', sessionid: alice.talkSessionId }),
      JSON.stringify({ sessionid: guest.talkSessionId }),
    ]),
  );
});
