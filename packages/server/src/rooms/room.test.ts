import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeParticipant, TEST_BACKEND } from './fake-sessions.js';
import { eventTime } from './participant.js';
import { parseInCall, stripPermissions } from './participant-entries.js';
import { Room } from './room.js';
import { VirtualSession } from './virtual-session.js';

function newRoom(onClosed: (room: Room) => void = () => {}) {
  return new Room({ id: 'r', backend: TEST_BACKEND, properties: { name: 'R' }, onClosed });
}

function join(room: Room, p: ReturnType<typeof fakeParticipant>, userId?: string) {
  p.participant.setRoom(room, eventTime());
  room.add(p.participant, userId);
}

test('room - ordering rule: older requests of the same type are dropped, types are independent', () => {
  const room = newRoom();
  assert.equal(room.acceptRequest('update', 10n), true);
  assert.equal(room.acceptRequest('update', 5n), false);
  assert.equal(room.acceptRequest('update', 10n), true);
  assert.equal(room.acceptRequest('incall', 1n), true);
  assert.equal(room.acceptRequest('update', 11n), true);
});

test('room - joiner gets its own join, then the others; others get the new join', () => {
  const room = newRoom();
  const a = fakeParticipant({ userId: 'alice' });
  const b = fakeParticipant();
  join(room, a);
  join(room, b, 'guest-name');
  const joins = (p: typeof a) =>
    p.frames().map((f) => (f.event as { join: Array<{ sessionid: string; userid: string }> }).join);
  assert.deepEqual(joins(a), [
    [{ sessionid: a.participant.publicId, userid: 'alice' }],
    [{ sessionid: b.participant.publicId, userid: 'guest-name' }],
  ]);
  assert.deepEqual(joins(b), [
    [{ sessionid: b.participant.publicId, userid: 'guest-name' }],
    [{ sessionid: a.participant.publicId, userid: 'alice' }],
  ]);
  assert.equal(b.participant.userId, 'guest-name');
});

test('room - leaving removes sd: data and notifies; the last member closes the room', () => {
  let closed = 0;
  const room = newRoom(() => closed++);
  const a = fakeParticipant();
  const b = fakeParticipant();
  join(room, a);
  join(room, b);
  room.transient.set(`sd:${b.participant.publicId}`, { x: 1 });
  room.transient.set('shared', 1);
  a.texts.length = 0;
  assert.equal(room.remove(b.participant), true);
  assert.deepEqual(a.frames(), [
    {
      type: 'transient',
      transient: { type: 'remove', key: `sd:${b.participant.publicId}`, oldvalue: { x: 1 } },
    },
    { type: 'event', event: { target: 'room', type: 'leave', leave: [b.participant.publicId] } },
  ]);
  assert.equal(room.transient.get('shared'), 1);
  assert.equal(room.remove(a.participant), false);
  assert.equal(closed, 1);
  assert.equal(room.closed, true);
});

test('room - participants update merges changed into users and strips permissions', () => {
  const room = newRoom();
  const a = fakeParticipant();
  join(room, a);
  a.texts.length = 0;
  room.publishParticipants(
    [
      { sessionId: 'x', inCall: 1, permissions: ['control'] },
      { sessionId: 'y', inCall: 0 },
    ],
    [{ sessionId: 'x', inCall: 1, permissions: ['control'] }],
  );
  assert.deepEqual(a.frames(), [
    {
      type: 'event',
      event: {
        target: 'participants',
        type: 'update',
        update: {
          roomid: 'r',
          users: [
            { sessionId: 'x', inCall: 1 },
            { sessionId: 'y', inCall: 0 },
          ],
        },
      },
    },
  ]);
  assert.deepEqual(stripPermissions({ a: 1 }), { a: 1 });
});

test('room - internal and virtual members are appended to participant lists', () => {
  const room = newRoom();
  const internal = fakeParticipant({ clientType: 'internal', features: ['f'] });
  join(room, internal);
  const virtual = new VirtualSession({
    publicId: 'virt',
    owner: internal.participant,
    clientSessionId: 'sip-1',
    userId: '',
    user: undefined,
    inCall: 9,
    flags: 0,
    options: undefined,
  });
  room.add(virtual, undefined);
  const users = room.withInternal([{ sessionId: 'virt' }, { sessionId: 'talk', userId: '' }]);
  assert.equal(users.length, 3);
  assert.deepEqual(users[0], { sessionId: 'virt', virtual: true, inCall: 9 });
  assert.deepEqual(users[1], { sessionId: 'talk', userId: '' });
  assert.equal(users[2]?.internal, true);
  assert.equal(users[2]?.inCall, 3);
  assert.deepEqual(users[2]?.features, ['f']);
});

test('room - incall all adds everyone but internal clients and ends the call for all', () => {
  const room = newRoom();
  const a = fakeParticipant();
  const internal = fakeParticipant({ clientType: 'internal' });
  join(room, a);
  join(room, internal);
  a.texts.length = 0;
  internal.texts.length = 0;
  room.publishInCallAll(7);
  assert.equal(room.isInCall(a.participant), true);
  assert.equal(room.isInCall(internal.participant), false);
  assert.equal(a.texts.length, 1);
  assert.equal(internal.texts.length, 0);
  room.publishInCallAll(7);
  assert.equal(a.texts.length, 1, 'nothing new joined, nothing sent');
  room.publishInCallAll(0);
  assert.equal(room.isInCall(a.participant), false);
  assert.equal(internal.texts.length, 1);
  assert.deepEqual(a.frames()[1], {
    type: 'event',
    event: {
      target: 'participants',
      type: 'update',
      update: { roomid: 'r', incall: 0, all: true },
    },
  });
});

test('room - incall changed entries move members in and out of the call', () => {
  const room = newRoom();
  const a = fakeParticipant();
  join(room, a);
  room.publishInCallChanged([{ sessionId: a.participant.publicId, inCall: 7 }], []);
  assert.equal(room.isInCall(a.participant), true);
  room.publishInCallChanged([{ sessionid: a.participant.publicId, inCall: false }], []);
  assert.equal(room.isInCall(a.participant), false);
  assert.equal(parseInCall(true), true);
  assert.equal(parseInCall(3), true);
  assert.equal(parseInCall(2), false);
  assert.equal(parseInCall('1'), undefined);
});

test('room - properties updates are announced only when they change', () => {
  const room = newRoom();
  const a = fakeParticipant();
  join(room, a);
  a.texts.length = 0;
  room.updateProperties({ name: 'R' });
  room.updateProperties({ name: 'S' });
  assert.deepEqual(a.frames(), [
    { type: 'room', room: { roomid: 'r', properties: { name: 'S' } } },
  ]);
});
