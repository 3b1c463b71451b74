import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendApiError } from '../transport/backend-api.js';
import {
  parseBackendRoomRequest,
  parseInCallAllValue,
  parseSwitchToSessions,
} from './backend-requests.js';

function rejects(body: unknown, status: number, message: string) {
  assert.throws(
    () => parseBackendRoomRequest(body),
    (err: unknown) =>
      err instanceof BackendApiError && err.status === status && err.message === message,
  );
}

test('backend requests - every type parses with defaults for missing lists', () => {
  assert.deepEqual(
    parseBackendRoomRequest({ type: 'invite', invite: { userids: ['a'], properties: { n: 1 } } }),
    {
      type: 'invite',
      invite: { userids: ['a'], alluserids: [], properties: { n: 1 } },
    },
  );
  assert.deepEqual(
    parseBackendRoomRequest({ type: 'disinvite', disinvite: { sessionids: ['s'] } }),
    {
      type: 'disinvite',
      disinvite: { userids: [], sessionids: ['s'], alluserids: [], properties: undefined },
    },
  );
  assert.deepEqual(parseBackendRoomRequest({ type: 'update', update: {} }), {
    type: 'update',
    update: { userids: [], properties: undefined },
  });
  assert.deepEqual(parseBackendRoomRequest({ type: 'delete', delete: { userids: ['x'] } }), {
    type: 'delete',
    delete: { userids: ['x'] },
  });
  assert.deepEqual(
    parseBackendRoomRequest({
      type: 'incall',
      incall: { incall: 7, changed: [{ sessionId: 'a' }] },
    }),
    { type: 'incall', incall: { incall: 7, all: false, changed: [{ sessionId: 'a' }], users: [] } },
  );
  assert.deepEqual(parseBackendRoomRequest({ type: 'participants', participants: { users: [] } }), {
    type: 'participants',
    participants: { changed: [], users: [] },
  });
  assert.deepEqual(
    parseBackendRoomRequest({ type: 'message', message: { data: { type: 'chat' } } }),
    {
      type: 'message',
      message: { data: { type: 'chat' } },
    },
  );
  assert.deepEqual(
    parseBackendRoomRequest({ type: 'switchto', switchto: { roomid: 'b', sessions: ['s'] } }),
    {
      type: 'switchto',
      switchto: { roomid: 'b', sessions: ['s'] },
    },
  );
  assert.deepEqual(parseBackendRoomRequest({ type: 'dialout', dialout: { number: '+49' } }), {
    type: 'dialout',
    dialout: { number: '+49', options: undefined },
  });
});

test('backend requests - bad bodies are 400 with upstream messages', () => {
  rejects([], 400, 'Could not read body');
  rejects({ type: 'transient', transient: {} }, 400, 'Unsupported request type: transient');
  rejects({ type: 'nope' }, 400, 'Unsupported request type: nope');
  rejects({}, 400, 'Unsupported request type: ');
  rejects({ type: 5 }, 400, 'Could not read body');
  rejects({ type: 'invite' }, 400, 'Missing invite in request');
  rejects({ type: 'invite', invite: [] }, 400, 'Could not read body');
  rejects({ type: 'invite', invite: { userids: [1] } }, 400, 'Could not read body');
  rejects({ type: 'incall', incall: { all: 'yes' } }, 400, 'Could not read body');
  rejects({ type: 'participants', participants: { users: ['x'] } }, 400, 'Could not read body');
  rejects({ type: 'switchto', switchto: { roomid: 3 } }, 400, 'Could not read body');
});

test('backend requests - switchto sessions and incall-all values', () => {
  assert.deepEqual(parseSwitchToSessions(['a', 'b']), { kind: 'list', ids: ['a', 'b'] });
  assert.deepEqual(parseSwitchToSessions({ a: { x: 1 }, b: null }), {
    kind: 'map',
    entries: [
      ['a', { x: 1 }],
      ['b', null],
    ],
  });
  assert.deepEqual(parseSwitchToSessions(undefined), { kind: 'list', ids: [] });
  assert.equal(parseSwitchToSessions('a'), undefined);
  assert.equal(parseSwitchToSessions([1]), undefined);
  assert.equal(parseInCallAllValue(7), 7);
  assert.equal(parseInCallAllValue(true), 1);
  assert.equal(parseInCallAllValue(false), 0);
  assert.equal(parseInCallAllValue(1.5), undefined);
  assert.equal(parseInCallAllValue('1'), undefined);
});
