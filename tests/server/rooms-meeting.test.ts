import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from '@spreed-ts/testkit';
import {
  isEvent,
  joinedClient,
  joinRoom,
  seesJoin,
  settle,
  startRoomsEnv,
} from './helpers/rooms-env.js';

const hasText = (text: string) => (f: Frame) => JSON.stringify(f).includes(text);

test('meeting - two Talk clients and an internal client through a whole meeting', {
  timeout: 30_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice', { displayName: 'Alice' });
  env.dev.createRoom({ token: 'standup', owner: 'alice', name: 'Standup' });

  // Everybody arrives: the owner (a chat-relay client), a guest, and a recording bot.
  const alice = await joinedClient(env, 'standup', 'alice', ['chat-relay']);
  const guest = await joinedClient(env, 'standup', null);
  const bot = await env.internal();
  assert.equal((await joinRoom(bot.client, 'standup')).type, 'room');
  await seesJoin(alice.client, guest.sessionId);
  await seesJoin(alice.client, bot.sessionId);
  await seesJoin(guest.client, bot.sessionId);
  await seesJoin(bot.client, alice.sessionId);
  await settle(env, alice.client, guest.client, bot.client);

  // The call starts in Talk; the participant lists carry signaling ids.
  env.dev.setInCall(alice.talkSessionId, 7);
  env.dev.setInCall(guest.talkSessionId, 3);
  const update = await alice.client.next(
    (f) =>
      isEvent('participants', 'update')(f) &&
      hasText(guest.sessionId)(f) &&
      hasText('"inCall":3')(f),
  );
  const users = (update.event as { update: { users: Array<Record<string, unknown>> } }).update
    .users;
  assert.ok(users.some((u) => u.sessionId === alice.sessionId && u.inCall === 7));
  assert.ok(users.some((u) => u.sessionId === bot.sessionId && u.internal === true));
  assert.ok(users.every((u) => !('permissions' in u)));

  // Peer-to-peer WebRTC signaling is relayed as is.
  const offer = {
    to: guest.sessionId,
    type: 'offer',
    roomType: 'video',
    payload: { type: 'offer', sdp: 'v=0\r\n' },
  };
  alice.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: guest.sessionId }, data: offer },
  });
  assert.deepEqual(((await guest.client.next('message')).message as { data: unknown }).data, offer);
  const answer = {
    to: alice.sessionId,
    type: 'answer',
    roomType: 'video',
    payload: { type: 'answer', sdp: 'v=0\r\n' },
  };
  guest.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: alice.sessionId }, data: answer },
  });
  assert.deepEqual(
    ((await alice.client.next('message')).message as { data: unknown }).data,
    answer,
  );

  // Call messages reach the call; the bot (not in the call) does not get them.
  guest.client.send({
    type: 'message',
    message: { recipient: { type: 'call' }, data: { type: 'raiseHand' } },
  });
  await alice.client.next((f) => f.type === 'message' && hasText('raiseHand')(f));
  await bot.client.expectNothing((f) => f.type === 'message', 150);

  // Chat: the relay client gets the message itself, the guest a refresh. (Talk's system messages
  // about the call, relayed the same way, may come first.)
  env.dev.postMessage('standup', 'Good morning', { userId: 'alice' });
  const relayed = await alice.client.next(
    (f) => isEvent('room', 'message')(f) && hasText('Good morning')(f),
  );
  const data = (relayed.event as { message: { data: { chat: { comment?: { message: string } } } } })
    .message.data;
  assert.equal(data.chat.comment?.message, 'Good morning');
  const refresh = await guest.client.next(isEvent('room', 'message'));
  assert.deepEqual((refresh.event as { message: { data: unknown } }).message.data, {
    type: 'chat',
    chat: { refresh: true },
  });

  // The bot publishes its state for everybody.
  bot.client.send({
    type: 'transient',
    transient: { type: 'set', key: 'recording', value: { status: 'on' } },
  });
  for (const c of [alice.client, guest.client]) {
    assert.deepEqual((await c.next('transient')).transient, {
      type: 'set',
      key: 'recording',
      value: { status: 'on' },
    });
  }

  // The room is renamed.
  env.dev.updateRoom('standup', { name: 'Daily' });
  const renamed = await guest.client.next((f) => f.type === 'room' && hasText('Daily')(f));
  assert.equal((renamed.room as { properties: { name: string } }).properties.name, 'Daily');

  // The moderator mutes the guest; the guest cannot do the same.
  alice.client.send({
    type: 'control',
    control: {
      recipient: { type: 'session', sessionid: guest.sessionId },
      data: { action: 'forceMute' },
    },
  });
  assert.deepEqual(((await guest.client.next('control')).control as { data: unknown }).data, {
    action: 'forceMute',
  });
  guest.client.send({
    type: 'control',
    control: {
      recipient: { type: 'session', sessionid: alice.sessionId },
      data: { action: 'forceMute' },
    },
  });
  await alice.client.expectNothing('control', 150);

  // The call ends for everybody.
  env.dev.endCallForEveryone('standup');
  const ended = await guest.client.next(
    (f) => isEvent('participants', 'update')(f) && hasText('"all":true')(f),
  );
  assert.deepEqual((ended.event as { update: unknown }).update, {
    roomid: 'standup',
    incall: 0,
    all: true,
  });
  await bot.client.next((f) => isEvent('participants', 'update')(f) && hasText('"all":true')(f));
  guest.client.send({
    type: 'message',
    message: { recipient: { type: 'call' }, data: { type: 'late' } },
  });
  await alice.client.expectNothing((f) => f.type === 'message' && hasText('late')(f), 150);

  // The guest leaves; Talk is told.
  guest.client.send({ type: 'room', room: { roomid: '' } });
  const left = await alice.client.next(isEvent('room', 'leave'));
  assert.deepEqual((left.event as { leave: string[] }).leave, [guest.sessionId]);
  await env.dev.waitForBackendRequest(
    (r) =>
      (r.body as { room?: { action?: string; sessionid?: string } }).room?.sessionid ===
      guest.talkSessionId,
  );

  // Talk deletes the room: the remaining members are out.
  env.dev.deleteRoom('standup');
  await bot.client.next(isEvent('room', 'delete'));
  const gone = (f: Frame) => f.type === 'room' && (f.room as { roomid: string }).roomid === '';
  await alice.client.next(gone);
  await bot.client.next(gone);
  assert.equal(alice.client.isClosed, false);
});
