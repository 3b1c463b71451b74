import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { DevBackend } from './dev-backend.js';
import { OcsTestClient, startReceiver } from './fixtures/http-fixtures.js';
import { AttendeePermissions, ParticipantTypes } from './model/constants.js';
import type { NotifierError } from './signaling/notifier.js';

const T = { timeout: 10_000 };

test('dev backend - url has a trailing slash; close is idempotent', T, async () => {
  const backend = new DevBackend();
  assert.throws(() => backend.url, /not started/);
  await backend.start();
  assert.match(backend.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const status = await fetch(new URL('status.php', backend.url));
  assert.equal(((await status.json()) as { installed: boolean }).installed, true);
  await backend.close();
  await backend.close();
});

test('dev backend - unknown OCS paths are OCS 404s', T, async () => {
  await using backend = new DevBackend();
  await backend.start();
  const res = await new OcsTestClient(backend.url).get('ocs/v2.php/apps/spreed/api/v4/nothing');
  assert.equal(res.status, 404);
  assert.equal(res.json.ocs.meta.statuscode, 404);
});

test(
  'dev backend - room changes notify like Talk (invite, update, participants, delete)',
  T,
  async () => {
    await using receiver = await startReceiver();
    await using backend = new DevBackend({ signalingUrl: receiver.url });
    await backend.start();
    backend.addUser('alice');
    backend.addUser('bob');
    const room = backend.createRoom({ owner: 'alice' });
    backend.addParticipant(room.token, 'bob');
    const bob = backend.joinRoom(room.token, { userId: 'bob' });
    const bobPing = backend.session(bob.sessionId)?.lastPing;
    backend.updateRoom(room.token, { name: 'Renamed' });
    backend.setPermissions(
      room.token,
      'bob',
      AttendeePermissions.custom | AttendeePermissions.chat,
    );
    backend.setParticipantType(room.token, 'bob', ParticipantTypes.moderator);
    backend.switchTo(room.token, 'breakout1', [bob.sessionId]);
    backend.deleteRoom(room.token);
    await backend.flushNotifications();

    // Chat messages (Talk's system messages for these changes) notify `message`; see below.
    const sent = backend.notifications.filter((n) => n.body.type !== 'message');
    const types = sent.map((n) => n.body.type);
    assert.deepEqual(types, [
      'invite', // owner
      'invite', // bob
      'update', // name
      'participants', // permissions
      'update', // participant type
      'participants',
      'switchto',
      'delete',
    ]);
    const invite = sent[1]?.body;
    assert.deepEqual(invite?.type === 'invite' && invite.invite.alluserids, ['alice', 'bob']);
    const update = sent[2]?.body;
    assert.equal(update?.type === 'update' && update.update.properties.name, 'Renamed');
    const participants = sent[3]?.body;
    assert.ok(participants?.type === 'participants');
    assert.deepEqual(participants.participants.changed, [
      {
        inCall: 0,
        lastPing: bobPing,
        sessionId: bob.sessionId,
        participantType: ParticipantTypes.user,
        participantPermissions: AttendeePermissions.custom | AttendeePermissions.chat,
        displayName: 'bob',
        actorType: 'users',
        actorId: 'bob',
        userId: 'bob',
        permissions: [],
      },
    ]);
    // alice has no session: listed with session id "0".
    assert.equal(participants.participants.users[0]?.sessionId, '0');
    assert.deepEqual(sent[7]?.body, {
      type: 'delete',
      delete: { userids: ['alice', 'bob'] },
    });
    assert.deepEqual(
      backend.messages(room.token).map((m) => m.systemMessage),
      ['user_added', 'user_added', 'conversation_renamed', 'moderator_promoted'],
    );
    assert.equal(backend.notifications.length - sent.length, 4);
    assert.equal(receiver.requests.length, 12);
  },
);

test(
  'dev backend - a signaling server without Talk features makes notifications fail',
  T,
  async () => {
    await using receiver = await startReceiver(() => ({ features: [] }));
    await using backend = new DevBackend({ signalingUrl: receiver.url });
    await backend.start();
    const failed = once(backend, 'notificationFailed') as Promise<[NotifierError]>;
    backend.createRoom();
    backend.notify('abc', { type: 'delete', delete: { userids: [] } });
    const [error] = await failed;
    assert.equal(error.kind, 'incompatible');
    assert.match(backend.notifications[0]?.error ?? '', /needs to be updated/);
  },
);

test('dev backend - the signaling URL can be set after start', T, async () => {
  await using receiver = await startReceiver();
  await using backend = new DevBackend();
  await backend.start();
  const room = backend.createRoom();
  backend.postMessage(room.token, 'before');
  backend.setSignalingUrl(receiver.url);
  backend.postMessage(room.token, 'after');
  const sent = await backend.waitForNotification((n) => n.body.type === 'message');
  assert.equal(sent.headers['Spreed-Signaling-Backend'], backend.url);
  assert.equal(receiver.requests.length, 1);
});
