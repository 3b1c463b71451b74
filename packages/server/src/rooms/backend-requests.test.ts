import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendApiError } from '../transport/backend-api.js';
import { parseBackendRoomRequest, parseInCallAllValue } from './backend-requests.js';

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
      switchto: { roomid: 'b', sessions: { kind: 'list', ids: ['s'] } },
    },
  );
  assert.deepEqual(parseBackendRoomRequest({ type: 'dialout', dialout: { number: '+49' } }), {
    type: 'dialout',
    dialout: { number: '+49', options: undefined },
  });
});

const READ = 'Could not read body';
const SESSIONS = 'Invalid sessions in switchto request';

/** Bodies that must be refused with a 400 (never reach processing, where they could fail). */
const BAD_BODIES: [string, unknown, string][] = [
  ['array body', [], READ],
  ['string body', 'invite', READ],
  ['null body', null, READ],
  ['numeric type', { type: 5 }, READ],
  ['missing type', {}, 'Unsupported request type: '],
  ['unknown type', { type: 'nope' }, 'Unsupported request type: nope'],
  [
    'transient (not a rooms API type)',
    { type: 'transient', transient: {} },
    'Unsupported request type: transient',
  ],
  ['missing body', { type: 'invite' }, 'Missing invite in request'],
  ['null body of type', { type: 'delete', delete: null }, 'Missing delete in request'],
  ['array body of type', { type: 'invite', invite: [] }, READ],
  ['string body of type', { type: 'update', update: 'x' }, READ],
  ['invite userids not a list', { type: 'invite', invite: { userids: 'bob' } }, READ],
  ['invite userids number', { type: 'invite', invite: { userids: [1] } }, READ],
  ['invite userids null entry', { type: 'invite', invite: { userids: [null] } }, READ],
  ['invite alluserids object entry', { type: 'invite', invite: { alluserids: [{}] } }, READ],
  [
    'disinvite sessionids null entry',
    { type: 'disinvite', disinvite: { sessionids: [null] } },
    READ,
  ],
  ['disinvite sessionids nested', { type: 'disinvite', disinvite: { sessionids: [['s']] } }, READ],
  ['disinvite sessionids object', { type: 'disinvite', disinvite: { sessionids: { s: 1 } } }, READ],
  ['disinvite userids boolean', { type: 'disinvite', disinvite: { userids: [true] } }, READ],
  ['disinvite alluserids string', { type: 'disinvite', disinvite: { alluserids: 'a' } }, READ],
  ['update userids number entry', { type: 'update', update: { userids: ['a', 2] } }, READ],
  ['delete userids object', { type: 'delete', delete: { userids: { a: 'b' } } }, READ],
  ['incall all string', { type: 'incall', incall: { all: 'yes' } }, READ],
  ['incall all number', { type: 'incall', incall: { all: 1 } }, READ],
  ['incall changed string entry', { type: 'incall', incall: { changed: ['x'] } }, READ],
  ['incall users nested list', { type: 'incall', incall: { users: [[{}]] } }, READ],
  ['incall users object', { type: 'incall', incall: { users: { sessionId: 'a' } } }, READ],
  [
    'participants users string entry',
    { type: 'participants', participants: { users: ['x'] } },
    READ,
  ],
  ['participants changed number', { type: 'participants', participants: { changed: 5 } }, READ],
  ['switchto roomid number', { type: 'switchto', switchto: { roomid: 3 } }, READ],
  [
    'switchto sessions null entry',
    { type: 'switchto', switchto: { roomid: 'x', sessions: [null] } },
    SESSIONS,
  ],
  [
    'switchto sessions number entry',
    { type: 'switchto', switchto: { roomid: 'x', sessions: [1.5] } },
    SESSIONS,
  ],
  [
    'switchto sessions nested list',
    { type: 'switchto', switchto: { roomid: 'x', sessions: [['x']] } },
    SESSIONS,
  ],
  [
    'switchto sessions object entry',
    { type: 'switchto', switchto: { roomid: 'x', sessions: [{ a: 1 }] } },
    SESSIONS,
  ],
  [
    'switchto sessions string',
    { type: 'switchto', switchto: { roomid: 'x', sessions: 'oops' } },
    SESSIONS,
  ],
  [
    'switchto sessions number',
    { type: 'switchto', switchto: { roomid: 'x', sessions: 0 } },
    SESSIONS,
  ],
  [
    'switchto sessions boolean',
    { type: 'switchto', switchto: { roomid: 'x', sessions: false } },
    SESSIONS,
  ],
  ['dialout number not a string', { type: 'dialout', dialout: { number: 49 } }, READ],
];

test('backend requests - bad bodies are 400 with clear messages', () => {
  for (const [name, body, message] of BAD_BODIES) {
    assert.throws(
      () => parseBackendRoomRequest(body),
      (err: unknown) => {
        assert.ok(err instanceof BackendApiError, `${name}: ${String(err)}`);
        assert.deepEqual([err.status, err.message], [400, message], name);
        return true;
      },
      name,
    );
  }
});

test('backend requests - odd but harmless values are accepted', () => {
  // Null means "absent" for lists and raw values; null entries of participant lists are skipped
  // later (they have no session id), like upstream's nil maps.
  assert.deepEqual(
    parseBackendRoomRequest({
      type: 'incall',
      incall: { incall: null, all: null, changed: [null], users: null },
    }),
    { type: 'incall', incall: { incall: undefined, all: false, changed: [{}], users: [] } },
  );
  assert.deepEqual(
    parseBackendRoomRequest({ type: 'switchto', switchto: { roomid: null, sessions: null } }),
    { type: 'switchto', switchto: { roomid: '', sessions: { kind: 'list', ids: [] } } },
  );
  assert.deepEqual(
    parseBackendRoomRequest({
      type: 'switchto',
      switchto: { roomid: 'b', sessions: { a: { x: 1 }, b: null, c: [1] } },
    }),
    {
      type: 'switchto',
      switchto: {
        roomid: 'b',
        sessions: {
          kind: 'map',
          entries: [
            ['a', { x: 1 }],
            ['b', null],
            ['c', [1]],
          ],
        },
      },
    },
  );
  assert.deepEqual(
    parseBackendRoomRequest({ type: 'switchto', switchto: { roomid: 'b', sessions: [] } }),
    { type: 'switchto', switchto: { roomid: 'b', sessions: { kind: 'list', ids: [] } } },
  );
  // Raw values keep whatever JSON Talk sent.
  assert.deepEqual(
    parseBackendRoomRequest({ type: 'dialout', dialout: { number: '+49', options: [1, 'x'] } }),
    { type: 'dialout', dialout: { number: '+49', options: [1, 'x'] } },
  );
});

test('backend requests - incall-all values', () => {
  assert.equal(parseInCallAllValue(7), 7);
  assert.equal(parseInCallAllValue(true), 1);
  assert.equal(parseInCallAllValue(false), 0);
  assert.equal(parseInCallAllValue(1.5), undefined);
  assert.equal(parseInCallAllValue('1'), undefined);
  // Beyond 2^53 a JSON number no longer holds the integer that was sent.
  assert.equal(parseInCallAllValue(2 ** 53 - 1), 2 ** 53 - 1);
  assert.equal(parseInCallAllValue(2 ** 53), undefined);
});
