import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  grantPermissions,
  joinedClient,
  joinRoom,
  seesJoin,
  settle,
  startRoomsEnv,
} from './helpers/rooms-env.js';

test('transient - not in a room, and without permission, are errors', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.createRoom({ token: 'tr' });
  const lobby = await env.hello(null);
  const id = lobby.client.send({
    type: 'transient',
    transient: { type: 'set', key: 'k', value: 1 },
  });
  assert.deepEqual(await lobby.client.next('error'), {
    id,
    type: 'error',
    error: { code: 'not_in_room', message: 'No room joined yet.' },
  });
  const guest = await joinedClient(env, 'tr', null);
  const denied = guest.client.send({
    type: 'transient',
    transient: { type: 'set', key: 'k', value: 1 },
  });
  assert.deepEqual(await guest.client.next('error'), {
    id: denied,
    type: 'error',
    error: { code: 'not_allowed', message: 'Not allowed to update transient data.' },
  });
  const unknown = guest.client.send({ type: 'transient', transient: { type: 'frobnicate' } });
  assert.deepEqual(await guest.client.next('error'), {
    id: unknown,
    type: 'error',
    error: { code: 'ignored', message: 'Unsupported message type.' },
  });
});

test('transient - set, equal set, remove, sd: keys, initial data, ttl and cleanup', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.createRoom({ token: 'td' });
  const a = await joinedClient(env, 'td', null);
  const b = await joinedClient(env, 'td', null);
  await seesJoin(a.client, b.sessionId);
  await settle(env, a.client, b.client);
  await grantPermissions(env, 'td', [a, b], ['transient-data']);
  await settle(env, a.client, b.client);

  a.client.send({ type: 'transient', transient: { type: 'set', key: 'topic', value: { t: 1 } } });
  const set = { type: 'transient', transient: { type: 'set', key: 'topic', value: { t: 1 } } };
  assert.deepEqual(await a.client.next('transient'), set);
  assert.deepEqual(await b.client.next('transient'), set);
  a.client.send({ type: 'transient', transient: { type: 'set', key: 'topic', value: { t: 1 } } });
  await b.client.expectNothing('transient', 150);

  const other = b.client.send({
    type: 'transient',
    transient: { type: 'set', key: `sd:${a.sessionId}`, value: 1 },
  });
  assert.deepEqual(await b.client.next('error'), {
    id: other,
    type: 'error',
    error: { code: 'not_allowed', message: 'Not allowed to update this transient data entry.' },
  });
  b.client.send({
    type: 'transient',
    transient: { type: 'set', key: `sd:${b.sessionId}`, value: { mic: true } },
  });
  await a.client.next('transient');

  // A new member gets everything at once.
  const c = await joinedClient(env, 'td', null);
  const initial = await c.client.next('transient');
  assert.deepEqual(initial, {
    type: 'transient',
    transient: { type: 'initial', data: { topic: { t: 1 }, [`sd:${b.sessionId}`]: { mic: true } } },
  });

  // b leaves: its sd: key goes away.
  b.client.send({ type: 'room', room: { roomid: '' } });
  assert.deepEqual(await a.client.next('transient'), {
    type: 'transient',
    transient: { type: 'remove', key: `sd:${b.sessionId}`, oldvalue: { mic: true } },
  });

  // A ttl in nanoseconds.
  a.client.send({
    type: 'transient',
    transient: { type: 'set', key: 'short', value: 1, ttl: 200_000_000 },
  });
  await a.client.next(
    (f) => f.type === 'transient' && (f.transient as { type: string }).type === 'set',
  );
  assert.deepEqual(await a.client.next((f) => f.type === 'transient', 2000), {
    type: 'transient',
    transient: { type: 'remove', key: 'short', oldvalue: 1 },
  });
  a.client.send({ type: 'transient', transient: { type: 'remove', key: 'topic' } });
  assert.deepEqual(
    await c.client.next((f) => f.type === 'transient' && JSON.stringify(f).includes('topic')),
    {
      type: 'transient',
      transient: { type: 'remove', key: 'topic', oldvalue: { t: 1 } },
    },
  );

  // When the last member leaves, the data is gone with the room.
  a.client.send({ type: 'transient', transient: { type: 'set', key: 'left', value: 1 } });
  await a.client.next((f) => f.type === 'transient' && JSON.stringify(f).includes('"left"'));
  await settle(env, a.client);
  a.client.send({ type: 'room', room: { roomid: '' } });
  c.client.send({ type: 'room', room: { roomid: '' } });
  await a.client.next('room');
  await c.client.next('room');
  const t = env.dev.joinRoom('td');
  await joinRoom(a.client, 'td', t.sessionId);
  await a.client.expectNothing('transient', 150);
});

test('transient - internal clients may set any key without permission', {
  timeout: 15_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.createRoom({ token: 'ti' });
  const guest = await joinedClient(env, 'ti', null);
  const internal = await env.internal();
  await joinRoom(internal.client, 'ti');
  internal.client.send({
    type: 'transient',
    transient: { type: 'set', key: `sd:${guest.sessionId}`, value: 'x' },
  });
  assert.deepEqual(await guest.client.next('transient'), {
    type: 'transient',
    transient: { type: 'set', key: `sd:${guest.sessionId}`, value: 'x' },
  });
});
