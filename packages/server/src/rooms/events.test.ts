import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Delivery, hideDisplayNames } from './events.js';
import { fakeParticipant, TEST_BACKEND } from './fake-sessions.js';
import { eventTime } from './participant.js';
import { Room } from './room.js';

function inRoom(...ps: ReturnType<typeof fakeParticipant>[]) {
  const room = new Room({
    id: 'r',
    backend: TEST_BACKEND,
    properties: undefined,
    onClosed: () => {},
  });
  for (const p of ps) {
    p.participant.setRoom(room, eventTime() - 1);
  }
  return room;
}

test('events - join entries already seen are dropped per receiver', () => {
  const a = fakeParticipant();
  inRoom(a);
  const first = new Delivery(
    { kind: 'join', entries: [{ sessionid: 'x', userid: '' }] },
    eventTime(),
  );
  first.sendTo(a.participant);
  const second = new Delivery(
    {
      kind: 'join',
      entries: [
        { sessionid: 'x', userid: '' },
        { sessionid: 'y', userid: 'u' },
      ],
    },
    eventTime(),
  );
  second.sendTo(a.participant);
  second.sendTo(a.participant);
  assert.deepEqual(
    a
      .frames()
      .map((f) => (f.event as { join: Array<{ sessionid: string }> }).join.map((e) => e.sessionid)),
    [['x'], ['y']],
  );
});

test('events - leaves of unknown sessions are dropped, and forget the seen state', () => {
  const a = fakeParticipant();
  inRoom(a);
  new Delivery({ kind: 'join', entries: [{ sessionid: 'x', userid: '' }] }, eventTime()).sendTo(
    a.participant,
  );
  new Delivery({ kind: 'leave', ids: ['x', 'z'] }, eventTime()).sendTo(a.participant);
  new Delivery({ kind: 'leave', ids: ['x'] }, eventTime()).sendTo(a.participant);
  const frames = a.frames();
  assert.equal(frames.length, 2);
  assert.deepEqual(frames[1], {
    type: 'event',
    event: { target: 'room', type: 'leave', leave: ['x'] },
  });
});

test('events - one serialisation is shared by receivers that get the same bytes', () => {
  const a = fakeParticipant();
  const b = fakeParticipant();
  inRoom(a, b);
  const delivery = new Delivery(
    { kind: 'join', entries: [{ sessionid: 'x', userid: 'u' }] },
    eventTime(),
  );
  delivery.sendTo(a.participant);
  delivery.sendTo(b.participant);
  assert.equal(a.texts[0], b.texts[0]);
  assert.ok(Object.is(a.texts[0], b.texts[0]));
});

test('events - hide-displaynames receivers lose the display name', () => {
  const hidden = fakeParticipant();
  hidden.participant.setPermissions(['hide-displaynames']);
  const normal = fakeParticipant();
  inRoom(hidden, normal);
  const entries = [
    { sessionid: 'x', userid: 'u', user: { displayname: 'U' } },
    { sessionid: 'y', userid: 'v', user: { displayname: 'V', extra: 1 } },
  ];
  const delivery = new Delivery({ kind: 'join', entries }, eventTime());
  delivery.sendTo(hidden.participant);
  delivery.sendTo(normal.participant);
  assert.deepEqual((hidden.frames()[0]?.event as { join: unknown } | undefined)?.join, [
    { sessionid: 'x', userid: 'u' },
    { sessionid: 'y', userid: 'v', user: { extra: 1 } },
  ]);
  assert.deepEqual((normal.frames()[0]?.event as { join: unknown } | undefined)?.join, entries);
  assert.deepEqual(hideDisplayNames([{ sessionid: 'z', userid: '', user: 'opaque' }]), [
    { sessionid: 'z', userid: '', user: 'opaque' },
  ]);
});

test('events - room events older than the receiver join, or without a room, are dropped', () => {
  const a = fakeParticipant();
  const before = eventTime() - 1000;
  inRoom(a);
  new Delivery({ kind: 'chat', roomid: 'r', data: { type: 'x' } }, before).sendTo(a.participant);
  assert.equal(a.texts.length, 0);
  const outside = fakeParticipant();
  new Delivery({ kind: 'chat', roomid: 'r', data: { type: 'x' } }, eventTime()).sendTo(
    outside.participant,
  );
  assert.equal(outside.texts.length, 0);
  // Directly sent frames are not subject to the rule.
  new Delivery(
    {
      kind: 'frame',
      message: { type: 'event', event: { target: 'participants', type: 'update' } },
    },
    before,
    true,
  ).sendTo(outside.participant);
  assert.equal(outside.texts.length, 1);
});

test('events - flags are dropped when unchanged for the receiver', () => {
  const a = fakeParticipant();
  inRoom(a);
  const flags = (n: number) =>
    new Delivery({ kind: 'flags', roomid: 'r', sessionid: 'v', flags: n }, eventTime());
  flags(1).sendTo(a.participant);
  flags(1).sendTo(a.participant);
  flags(2).sendTo(a.participant);
  assert.deepEqual(
    a.frames().map((f) => (f.event as { flags: { flags: number } }).flags.flags),
    [1, 2],
  );
});

test('events - chat notifications are split per comment for chat-relay clients', () => {
  const relay = fakeParticipant({ features: ['chat-relay'] });
  const old = fakeParticipant();
  inRoom(relay, old);
  const data = { type: 'chat', chat: { refresh: true, comments: [{ id: 1 }, { id: 2 }] } };
  const delivery = new Delivery({ kind: 'chat', roomid: 'r', data }, eventTime());
  delivery.sendTo(relay.participant);
  delivery.sendTo(old.participant);
  assert.deepEqual(
    relay.frames().map((f) => (f.event as { message: { data: unknown } }).message.data),
    [
      { type: 'chat', chat: { comment: { id: 1 } } },
      { type: 'chat', chat: { comment: { id: 2 } } },
    ],
  );
  assert.deepEqual(old.frames(), [
    {
      type: 'event',
      event: {
        target: 'room',
        type: 'message',
        message: { roomid: 'r', data: { type: 'chat', chat: { refresh: true } } },
      },
    },
  ]);
});

test('events - nick changes are not relayed to hide-displaynames receivers', () => {
  const hidden = fakeParticipant();
  hidden.participant.setPermissions(['hide-displaynames']);
  const normal = fakeParticipant();
  const delivery = new Delivery(
    {
      kind: 'text',
      text: JSON.stringify({
        type: 'message',
        message: { sender: { type: 'room', sessionid: 's' }, data: { type: 'nickChanged' } },
      }),
      nickChanged: true,
    },
    eventTime(),
  );
  delivery.sendTo(hidden.participant);
  delivery.sendTo(normal.participant);
  assert.equal(hidden.texts.length, 0);
  assert.equal(normal.texts.length, 1);
});
