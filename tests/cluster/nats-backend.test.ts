import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEvent, seesJoin } from '../server/helpers/rooms-env.js';
import { startClusterEnv } from './helpers/cluster-env.js';

test('nats cluster - Talk notifies one server, the sessions on all servers get it', {
  timeout: 60_000,
}, async () => {
  await using env = await startClusterEnv();
  for (const user of ['alice', 'bob', 'carol', 'erin']) {
    env.dev.addUser(user);
  }
  env.dev.createRoom({ token: 'fan', owner: 'alice', name: 'Fan' });
  env.dev.addParticipant('fan', 'bob');
  env.dev.addParticipant('fan', 'carol');
  await env.dev.flushNotifications();
  const alice = await env.joined(0, 'fan', 'alice');
  const bob = await env.joined(1, 'fan', 'bob');
  const carol = await env.joined(2, 'fan', 'carol');
  await seesJoin(alice.client, carol.sessionId);
  await seesJoin(bob.client, carol.sessionId);
  // Erin is connected to server 3 but in no room: roomlist events reach her there.
  const erin = await env.hello(2, 'erin');

  // Chat: a room message event on every server.
  env.dev.postMessage('fan', 'hello all', { userId: 'alice' });
  for (const who of [alice, bob, carol]) {
    const event = await who.client.next(isEvent('room', 'message'));
    const data = (event.event as { message: { roomid: string; data: { type: string } } }).message;
    assert.equal(data.roomid, 'fan');
    assert.equal(data.data.type, 'chat');
  }
  // Properties: a room update for the members, a roomlist update for the users.
  env.dev.updateRoom('fan', { name: 'Renamed' });
  for (const who of [alice, bob, carol]) {
    const update = await who.client.next('room');
    assert.equal((update.room as { properties: { name: string } }).properties.name, 'Renamed');
  }
  // Invite: the new user's session on server 3 hears about it.
  env.dev.addParticipant('fan', 'erin');
  const invite = await erin.client.next(isEvent('roomlist', 'invite'));
  assert.equal((invite.event as { invite: { roomid: string } }).invite.roomid, 'fan');
  // Call state: every server sends the same list, with every session mapped to its public id.
  env.dev.setInCall(bob.talkSessionId, 3);
  for (const who of [alice, bob, carol]) {
    const update = await who.client.next(
      (f) =>
        isEvent('participants', 'update')(f) && JSON.stringify(f).includes('"changed"') === false,
    );
    const users = (
      update.event as { update: { users: Array<{ sessionId: string; inCall: number }> } }
    ).update.users;
    const inCall = users.filter((u) => u.inCall === 3).map((u) => u.sessionId);
    assert.deepEqual(inCall, [bob.sessionId]);
  }
  // Removing Carol from the conversation disconnects her on server 3.
  env.dev.removeParticipant('fan', 'carol');
  const disinvite = await carol.client.next(isEvent('roomlist', 'disinvite'));
  assert.deepEqual((disinvite.event as { disinvite: unknown }).disinvite, {
    roomid: 'fan',
    reason: 'disinvited',
  });
  await carol.client.closed;
  for (const who of [alice, bob]) {
    const leave = await who.client.next(isEvent('room', 'leave'));
    assert.deepEqual((leave.event as { leave: string[] }).leave, [carol.sessionId]);
  }
});
