import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevBackend } from '../dev-backend.js';
import { OcsTestClient } from '../fixtures/http-fixtures.js';
import { ParticipantTypes } from '../model/constants.js';

const T = { timeout: 15_000 };
const API = 'ocs/v2.php/apps/spreed/api';

function shown(backend: DevBackend, token: string): Array<[string, string, unknown]> {
  return backend
    .messages(token)
    .map((m) => [m.systemMessage || m.messageType, m.message, m.messageParameters]);
}

test(
  'system messages - a call: started, joined, left, ended, with actors as rich objects',
  T,
  async () => {
    await using backend = new DevBackend();
    await backend.start();
    backend.addUser('alice', { displayName: 'Alice' });
    backend.addUser('bob', { displayName: 'Bob' });
    const room = backend.createRoom({ name: 'Daily' });
    const alice = backend.joinRoom(room.token, { userId: 'alice' });
    const bob = backend.joinRoom(room.token, { userId: 'bob' });
    const guest = backend.joinRoom(room.token);
    backend.setInCall(alice.sessionId, 3);
    backend.setInCall(bob.sessionId, 3);
    backend.setInCall(guest.sessionId, 1);
    backend.setInCall(bob.sessionId, 0);
    backend.leaveRoom(guest.sessionId);
    backend.setInCall(alice.sessionId, 0);
    const aliceObject = { type: 'user', id: 'alice', name: 'Alice', 'mention-id': 'alice' };
    const bobObject = { type: 'user', id: 'bob', name: 'Bob', 'mention-id': 'bob' };
    const guestObject = {
      type: 'guest',
      id: `guest/${guest.actorId}`,
      name: 'Guest',
      'mention-id': `guest/${guest.actorId}`,
    };
    assert.deepEqual(shown(backend, room.token), [
      ['call_started', '{actor} started a call', { actor: aliceObject }],
      ['call_joined', '{actor} joined the call', { actor: bobObject }],
      ['call_joined', '{actor} joined the call', { actor: guestObject }],
      ['call_left', '{actor} left the call', { actor: bobObject }],
      ['call_left', '{actor} left the call', { actor: guestObject }],
      ['call_left', '{actor} left the call', { actor: aliceObject }],
      [
        'call_ended',
        'Call with {user1}, {user2} and 1 guest ended (Duration 0:00)',
        { actor: aliceObject, user1: aliceObject, user2: bobObject },
      ],
    ]);
    assert.equal(backend.room(room.token)?.activeSince, null);

    // Ended for everyone: by whoever ended it (the development API acts as the first user).
    const other = backend.createRoom();
    backend.setInCall(backend.joinRoom(other.token, { userId: 'bob' }).sessionId, 3);
    backend.setInCall(backend.joinRoom(other.token, { userId: 'alice' }).sessionId, 3);
    backend.endCallForEveryone(other.token);
    const last = backend.messages(other.token).at(-1);
    assert.equal(last?.systemMessage, 'call_ended_everyone');
    assert.equal(last?.message, '{actor} ended the call with {user1} (Duration 0:00)');
    assert.deepEqual(last?.messageParameters, { actor: bobObject, user1: aliceObject });
  },
);

test('system messages - members, moderators and renames; the actor reads "You …"', T, async () => {
  await using backend = new DevBackend();
  await backend.start();
  backend.addUser('alice', { displayName: 'Alice', appPassword: 'pw' });
  backend.addUser('bob', { displayName: 'Bob' });
  const room = backend.createRoom({ name: 'Old', type: 'group', owner: 'alice' });
  backend.addParticipant(room.token, 'bob');
  backend.setParticipantType(room.token, 'bob', ParticipantTypes.moderator);
  backend.updateRoom(room.token, { name: 'New' });
  backend.removeParticipant(room.token, 'bob');
  const admin = {
    type: 'guest',
    id: 'guest/cli',
    name: 'Administration',
    'mention-id': 'guest/cli',
  };
  const bobObject = { type: 'user', id: 'bob', name: 'Bob', 'mention-id': 'bob' };
  assert.deepEqual(shown(backend, room.token).slice(1), [
    ['user_added', 'An administrator added {user}', { actor: admin, user: bobObject }],
    [
      'moderator_promoted',
      'An administrator promoted {user} to moderator',
      { actor: admin, user: bobObject },
    ],
    [
      'conversation_renamed',
      'An administrator renamed the conversation from "Old" to "New"',
      {
        actor: admin,
      },
    ],
    ['user_removed', 'An administrator removed {user}', { actor: admin, user: bobObject }],
  ]);

  // Over the chat API the actor of a call message reads it in the second person.
  const joined = backend.joinRoom(room.token, { userId: 'alice' });
  backend.setInCall(joined.sessionId, 3);
  const client = new OcsTestClient(backend.url, { user: 'alice', password: 'pw' });
  const res = await client.get(`${API}/v1/chat/${room.token}?lookIntoFuture=0&limit=1`);
  assert.equal(res.status, 200);
  assert.equal(res.json.ocs.data[0].systemMessage, 'call_started');
  assert.equal(res.json.ocs.data[0].message, 'You started a call');
});

test('system messages - comments carry their mentions as parameters', T, async () => {
  await using backend = new DevBackend();
  await backend.start();
  backend.addUser('bob', { displayName: 'Bob Builder' });
  backend.addUser('bobby', { displayName: 'Bobby' });
  const room = backend.createRoom({ name: 'Daily' });
  const guest = backend.joinRoom(room.token);
  backend.postMessage(room.token, `hi @bob, @bobby, @"guest/${guest.actorId}", @all and @nobody`);
  const [message] = backend.messages(room.token);
  assert.equal(
    message?.message,
    'hi {mention-user2}, {mention-user1}, {mention-guest1}, {mention-call1} and @nobody',
  );
  assert.deepEqual(message?.messageParameters, {
    'mention-user1': { type: 'user', id: 'bobby', name: 'Bobby', 'mention-id': 'bobby' },
    'mention-user2': { type: 'user', id: 'bob', name: 'Bob Builder', 'mention-id': 'bob' },
    'mention-guest1': {
      type: 'guest',
      id: `guest/${guest.actorId}`,
      name: 'Guest',
      'mention-id': `guest/${guest.actorId}`,
    },
    'mention-call1': { type: 'call', id: room.token, name: 'Daily', 'call-type': 'public' },
  });
});
