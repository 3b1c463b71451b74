import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemberState, RoomOp } from '../bus/messages.js';
import { fakeParticipant, TEST_BACKEND } from './fake-sessions.js';
import { eventTime } from './participant.js';
import type { RemoteMember } from './remote-member.js';
import { Room } from './room.js';
import type { RoomLink } from './room-link.js';
import { whyNotInSameCall } from './same-call.js';

function remoteState(id: string, extra: Partial<MemberState> = {}): MemberState {
  return {
    sessionid: id,
    role: 'client',
    entry: { sessionid: id, userid: `user-${id}` },
    roomsession: `talk-${id}`,
    incall: 0,
    call: false,
    flags: 0,
    features: [],
    ...extra,
  };
}

function linkedRoom() {
  const sent: RoomOp[] = [];
  const link: RoomLink = {
    active: true,
    created: () => undefined,
    closed: () => undefined,
    send: (_room, op) => sent.push(op),
  };
  const index = new Map<string, RemoteMember>();
  const room = new Room({
    id: 'r',
    backend: TEST_BACKEND,
    properties: undefined,
    onClosed: () => undefined,
    link,
    remoteIndex: index,
  });
  return { room, sent, index };
}

const events = (p: ReturnType<typeof fakeParticipant>) =>
  p
    .frames()
    .filter((f) => f.type === 'event')
    .map((f) => {
      const e = f.event as { type?: string; join?: Array<{ sessionid: string }>; leave?: string[] };
      return `${e.type}:${(e.join?.map((j) => j.sessionid) ?? e.leave ?? []).join(',')}`;
    });

test('room remote - local changes become ops; remote members join lists, leave, and drop', () => {
  const { room, sent, index } = linkedRoom();
  room.applyOp('s2', { type: 'join', member: remoteState('x') });
  assert.equal(index.get('x')?.serverId, 's2');
  const a = fakeParticipant({ userId: 'alice' });
  a.participant.setRoom(room, eventTime());
  room.add(a.participant, undefined);
  assert.deepEqual(events(a), [`join:${a.participant.publicId}`, 'join:x']);
  assert.equal(sent[0]?.type, 'join');
  assert.deepEqual(room.remoteRoomSessions(), new Map([['talk-x', 'x']]));

  room.applyOp('s2', { type: 'transient-set', key: 'sd:x', value: 1, ttl: 0 });
  a.texts.length = 0;
  // A leave of an unknown server's member is ignored; the owner's one is applied.
  room.applyOp('s3', { type: 'leave', sessionid: 'x' });
  assert.deepEqual(a.frames(), []);
  room.applyOp('s2', { type: 'leave', sessionid: 'x' });
  assert.equal(room.transient.get('sd:x'), undefined);
  assert.deepEqual(events(a).at(-1), 'leave:x');
  assert.equal(index.size, 0);

  // A state answer replaces what a server had; a gone server's members leave.
  room.applyState('s2', {
    room: room.key,
    present: true,
    members: [remoteState('y'), remoteState('z', { call: true })],
    transient: [{ key: 'shared', value: 'v', ttl: 0 }],
    users: [],
  });
  assert.equal(room.transient.get('shared'), 'v');
  room.applyState('s2', {
    room: room.key,
    present: true,
    members: [remoteState('z', { call: true })],
    transient: [],
    users: [],
  });
  assert.deepEqual([...room.remoteMembers.keys()], ['z']);
  room.dropServer('s2');
  assert.equal(room.remoteMembers.size, 0);
  assert.deepEqual(events(a).slice(-4), ['join:y', 'join:z', 'leave:y', 'leave:z']);

  // Leaving sends a leave op, also when the room closes.
  sent.length = 0;
  room.remove(a.participant);
  assert.deepEqual(sent, [{ type: 'leave', sessionid: a.participant.publicId }]);
  assert.equal(room.closed, true);
});

test('room remote - call state of remote members follows Talk and their servers', () => {
  const { room, index } = linkedRoom();
  const a = fakeParticipant({ userId: 'alice' });
  a.participant.setRoom(room, eventTime());
  room.add(a.participant, undefined);
  room.addToCall(a.participant);
  room.applyOp('s2', { type: 'join', member: remoteState('x') });
  room.applyOp('s2', {
    type: 'join',
    member: remoteState('i', { role: 'internal', incall: 3, features: ['f'] }),
  });
  const lookup = (id: string) => index.get(id);
  assert.equal(whyNotInSameCall(a.participant, 'x', lookup), 'recipient not in call');
  // Internal members need not be in the call.
  assert.equal(whyNotInSameCall(a.participant, 'i', lookup), undefined);
  room.publishInCallChanged([{ sessionId: 'x', inCall: 3 }], [{ sessionId: 'x', inCall: 3 }]);
  assert.equal(whyNotInSameCall(a.participant, 'x', lookup), undefined);
  room.publishInCallAll(0);
  assert.equal(whyNotInSameCall(a.participant, 'x', lookup), 'sender not in call');
  // Internal members of other servers are listed in participant updates with their features.
  const users = room.withInternal([]);
  assert.deepEqual(
    users.map((u) => [u.sessionId, u.internal, u.features]),
    [['i', true, ['f']]],
  );
  room.applyOp('s2', { type: 'change', sessionid: 'i', incall: 0, flags: 0, call: false });
  assert.equal(room.withInternal([])[0]?.inCall, 0);
});

test('room remote - relayed frames reach local members (the call only when asked)', () => {
  const { room } = linkedRoom();
  const a = fakeParticipant();
  const b = fakeParticipant();
  for (const p of [a, b]) {
    p.participant.setRoom(room, eventTime());
    room.add(p.participant, undefined);
  }
  room.addToCall(a.participant);
  a.texts.length = 0;
  b.texts.length = 0;
  room.applyOp('s2', { type: 'relay', call: true, sender: 'x', text: '{"n":1}', nick: false });
  room.applyOp('s2', { type: 'relay', call: false, sender: 'x', text: '{"n":2}', nick: false });
  room.applyOp('s2', { type: 'frame', text: '{"n":3}' });
  assert.deepEqual(a.texts, ['{"n":1}', '{"n":2}', '{"n":3}']);
  assert.deepEqual(b.texts, ['{"n":2}', '{"n":3}']);
});
