import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventBody } from '@spreed-ts/protocol';
import { hasStreams, isInCall, mediaChange, Roster } from './roster.js';

const update = (users: Array<Record<string, unknown>>): EventBody => ({
  target: 'participants',
  type: 'update',
  update: { roomid: 'r', users },
});

test('Roster - merges participants updates by signaling session id and tracks ourselves', () => {
  const roster = new Roster();
  roster.reset('me');
  const join = roster.apply({
    target: 'room',
    type: 'join',
    join: [
      { sessionid: 'me', userid: '' },
      { sessionid: 'bob', userid: 'bob', user: { displayname: 'Bob' }, roomsessionid: 'nc-bob' },
    ],
  });
  assert.deepEqual(
    join?.joined.map((p) => p.sessionId),
    ['me', 'bob'],
  );
  assert.equal(roster.get('bob')?.displayName, 'Bob');
  assert.equal(roster.get('bob')?.nextcloudSessionId, 'nc-bob');
  assert.equal(roster.selfInCall, false);

  const first = roster.apply(
    update([{ sessionId: 'bob', inCall: 3, actorType: 'users', actorId: 'bob' }]),
  );
  assert.deepEqual(
    first?.callChanged.map((c) => [c.participant.sessionId, c.before]),
    [['bob', 0]],
  );
  // Servers with `changed-users` send only the changed entry: earlier entries stay.
  roster.apply(update([{ sessionId: 'me', inCall: 1, nextcloudSessionId: 'nc-me' }]));
  assert.equal(roster.selfInCall, true);
  assert.equal(roster.get('bob')?.inCall, 3);
  assert.deepEqual(
    roster.othersInCall().map((p) => p.sessionId),
    ['bob'],
  );
  // Entries without a mapped session are ignored.
  roster.apply(update([{ sessionId: '0', inCall: 3 }, { inCall: 3 }]));
  assert.equal(roster.others().length, 1);
});

test('Roster - call ended for everyone, leaves, nicks', () => {
  const roster = new Roster();
  roster.reset('me');
  roster.apply(
    update([
      { sessionId: 'me', inCall: 3 },
      { sessionId: 'g', inCall: 7 },
    ]),
  );
  assert.equal(roster.setNick('g', 'Guesty'), true);
  assert.equal(roster.setNick('g', 'Guesty'), false);
  const ended = roster.apply({
    target: 'participants',
    type: 'update',
    update: { roomid: 'r', incall: 0, all: true },
  });
  assert.equal(ended?.callChanged.length, 2);
  assert.equal(roster.selfInCall, false);
  roster.apply(update([{ sessionId: 'g', inCall: 3 }]));
  const left = roster.apply({ target: 'room', type: 'leave', leave: ['g', 'unknown'] });
  assert.deepEqual(
    left?.left.map((p) => p.displayName),
    ['Guesty'],
  );
  assert.deepEqual(
    left?.callChanged.map((c) => c.participant.inCall),
    [0],
  );
  assert.equal(roster.apply({ target: 'roomlist', type: 'invite' }), undefined);
});

test('in-call flag helpers', () => {
  assert.equal(isInCall(0), false);
  assert.equal(isInCall(1), true);
  assert.equal(hasStreams(1), false);
  assert.equal(hasStreams(3), true);
  assert.equal(hasStreams(5), true);
  assert.equal(hasStreams(2), false);
});

test('mediaChange - what another participant in the call sends now', () => {
  const bob = (inCall: number, internal?: boolean) => ({
    sessionId: 'bob',
    inCall,
    ...(internal === undefined ? {} : { internal }),
  });
  // Joined the call with audio, then added video, then left.
  assert.deepEqual(mediaChange({ participant: bob(3), before: 0 }, 'me'), {
    audio: true,
    video: false,
  });
  assert.deepEqual(mediaChange({ participant: bob(7), before: 3 }, 'me'), {
    audio: true,
    video: true,
  });
  assert.equal(mediaChange({ participant: bob(0), before: 7 }, 'me'), undefined);
  // Joined without media: still a change (from "not in the call").
  assert.deepEqual(mediaChange({ participant: bob(1), before: 0 }, 'me'), {
    audio: false,
    video: false,
  });
  // Only the phone flag changed: nothing about audio or video.
  assert.equal(mediaChange({ participant: bob(11), before: 3 }, 'me'), undefined);
  // Ourselves and internal clients are never reported.
  assert.equal(mediaChange({ participant: bob(3), before: 0 }, 'bob'), undefined);
  assert.equal(mediaChange({ participant: bob(3, true), before: 0 }, 'me'), undefined);
});
