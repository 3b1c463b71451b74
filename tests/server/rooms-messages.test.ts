import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinedClient, seesJoin, settle, startRoomsEnv } from './helpers/rooms-env.js';

async function meeting() {
  const env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.addUser('bob');
  env.dev.createRoom({ token: 'msg', owner: 'alice' });
  const alice = await joinedClient(env, 'msg', 'alice');
  const guest = await joinedClient(env, 'msg', null);
  const bob = await joinedClient(env, 'msg', 'bob');
  const bobLobby = await env.hello('bob');
  await seesJoin(alice.client, bob.sessionId);
  await seesJoin(guest.client, bob.sessionId);
  await settle(env, alice.client, guest.client, bob.client, bobLobby.client);
  return { env, alice, guest, bob, bobLobby };
}

test('messages - session recipients get the data with the sender, never their own', {
  timeout: 15_000,
}, async () => {
  const { env, alice, guest } = await meeting();
  await using _env = env;
  alice.client.send({
    type: 'message',
    message: {
      recipient: { type: 'session', sessionid: guest.sessionId },
      data: { type: 'offer', sdp: 'v=0' },
    },
  });
  assert.deepEqual(await guest.client.next('message'), {
    type: 'message',
    message: {
      sender: { type: 'session', sessionid: alice.sessionId, userid: 'alice' },
      data: { type: 'offer', sdp: 'v=0' },
    },
  });
  guest.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: alice.sessionId }, data: 'hi' },
  });
  assert.deepEqual((await alice.client.next('message')).message, {
    sender: { type: 'session', sessionid: guest.sessionId },
    data: 'hi',
  });
  // To oneself or to nobody: silently dropped, no error either.
  alice.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: alice.sessionId }, data: 1 },
  });
  alice.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: 'gone' }, data: 1 },
  });
  await alice.client.expectNothing(undefined, 150);
});

test('messages - user recipients reach all sessions of the user, not the sender', {
  timeout: 15_000,
}, async () => {
  const { env, alice, guest, bob, bobLobby } = await meeting();
  await using _env = env;
  guest.client.send({
    type: 'message',
    message: { recipient: { type: 'user', userid: 'bob' }, data: { n: 1 } },
  });
  const expected = { sender: { type: 'user', sessionid: guest.sessionId }, data: { n: 1 } };
  assert.deepEqual((await bob.client.next('message')).message, expected);
  assert.deepEqual((await bobLobby.client.next('message')).message, expected);
  bob.client.send({
    type: 'message',
    message: { recipient: { type: 'user', userid: 'bob' }, data: { n: 2 } },
  });
  await bobLobby.client.expectNothing('message', 150);
  await alice.client.expectNothing('message', 10);
});

test('messages - room recipients: everybody in the room but the sender', {
  timeout: 15_000,
}, async () => {
  const { env, alice, guest, bob, bobLobby } = await meeting();
  await using _env = env;
  bob.client.send({
    type: 'message',
    message: { recipient: { type: 'room' }, data: { hello: 'all' } },
  });
  const expected = {
    sender: { type: 'room', sessionid: bob.sessionId, userid: 'bob' },
    data: { hello: 'all' },
  };
  assert.deepEqual((await alice.client.next('message')).message, expected);
  assert.deepEqual((await guest.client.next('message')).message, expected);
  await bob.client.expectNothing('message', 150);
  await bobLobby.client.expectNothing('message', 10);
  // Outside a room, room messages go nowhere.
  bobLobby.client.send({ type: 'message', message: { recipient: { type: 'room' }, data: 1 } });
  await alice.client.expectNothing('message', 150);
});

test('messages - control needs the control permission and is dropped silently otherwise', {
  timeout: 15_000,
}, async () => {
  const { env, alice, guest } = await meeting();
  await using _env = env;
  guest.client.send({
    type: 'control',
    control: { recipient: { type: 'session', sessionid: alice.sessionId }, data: { mute: true } },
  });
  await alice.client.expectNothing('control', 200);
  await guest.client.expectNothing('error', 10);
  alice.client.send({
    type: 'control',
    control: { recipient: { type: 'room' }, data: { type: 'mute' } },
  });
  assert.deepEqual(await guest.client.next('control'), {
    type: 'control',
    control: {
      sender: { type: 'room', sessionid: alice.sessionId, userid: 'alice' },
      data: { type: 'mute' },
    },
  });
});

test('messages - call recipients only reach sessions in the call', {
  timeout: 15_000,
}, async () => {
  const { env, alice, guest, bob } = await meeting();
  await using _env = env;
  env.dev.setInCall(bob.talkSessionId, 3);
  await settle(env, alice.client, guest.client, bob.client);
  alice.client.send({ type: 'message', message: { recipient: { type: 'call' }, data: { c: 1 } } });
  assert.deepEqual((await bob.client.next('message')).message, {
    sender: { type: 'call', sessionid: alice.sessionId, userid: 'alice' },
    data: { c: 1 },
  });
  await guest.client.expectNothing('message', 150);
});
