import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeParticipant, TEST_BACKEND } from './fake-sessions.js';
import { eventTime } from './participant.js';
import { Room } from './room.js';
import { whyNotInSameCall } from './same-call.js';
import type { RoomMember } from './virtual-session.js';

test('same call - every reason, and internal clients reach anybody', () => {
  const room = new Room({
    id: 'r',
    backend: TEST_BACKEND,
    properties: undefined,
    onClosed: () => {},
  });
  const other = new Room({
    id: 'o',
    backend: TEST_BACKEND,
    properties: undefined,
    onClosed: () => {},
  });
  const sender = fakeParticipant().participant;
  const peer = fakeParticipant().participant;
  const stranger = fakeParticipant().participant;
  const internal = fakeParticipant({ clientType: 'internal' }).participant;
  for (const [p, r] of [
    [sender, room],
    [peer, room],
    [internal, room],
    [stranger, other],
  ] as const) {
    p.setRoom(r, eventTime());
    r.add(p, undefined);
  }
  const members = new Map<string, RoomMember | 'no-room'>([
    [peer.publicId, peer],
    [stranger.publicId, stranger],
    [internal.publicId, internal],
    ['lobby', 'no-room'],
  ]);
  const lookup = (id: string) => members.get(id);
  assert.equal(whyNotInSameCall(sender, peer.publicId, lookup), 'sender not in call');
  room.addToCall(sender);
  assert.equal(whyNotInSameCall(sender, 'nobody', lookup), 'recipient unknown');
  assert.equal(whyNotInSameCall(sender, 'lobby', lookup), 'recipient not in call');
  assert.equal(whyNotInSameCall(sender, stranger.publicId, lookup), 'recipient not in call');
  assert.equal(whyNotInSameCall(sender, peer.publicId, lookup), 'recipient not in call');
  assert.equal(whyNotInSameCall(sender, internal.publicId, lookup), undefined);
  room.addToCall(peer);
  assert.equal(whyNotInSameCall(sender, peer.publicId, lookup), undefined);
  assert.equal(whyNotInSameCall(internal, 'nobody', lookup), undefined);
});
