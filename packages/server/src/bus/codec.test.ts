import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '@spreed-ts/protocol';
import { decodeBusMessage, encodeBusMessage, parseBusMessage } from './codec.js';
import type { BusMessage, MemberState } from './messages.js';

const member: MemberState = {
  sessionid: 'pub-1',
  role: 'internal',
  entry: { sessionid: 'pub-1', userid: '', features: ['x'] },
  roomsession: 'talk-1',
  userdata: 'guest-1',
  incall: 3,
  call: true,
  flags: 0,
  features: ['x'],
};

const samples: BusMessage[] = [
  { type: 'heartbeat', generation: 2, interval: 2000, ttl: 7000, version: '0.1.0' },
  { type: 'goodbye' },
  { type: 'session-count', backend: 'b1' },
  { type: 'session-count-reply', count: 4 },
  { type: 'resume-lookup', resumeid: 'r' },
  { type: 'resume-lookup-reply' },
  { type: 'resume-lookup-reply', sessionid: 's' },
  { type: 'proxy-open', proxy: 'p', frame: '{}', address: '10.0.0.1', useragent: 'ua' },
  { type: 'proxy-frame', proxy: 'p', text: '{"type":"bye"}' },
  { type: 'proxy-close', proxy: 'p' },
  { type: 'room-sync', rooms: ['b1|r1', 'b1|r2'] },
  {
    type: 'room-state',
    seq: 9,
    rooms: [
      { room: 'b1|r1', present: false },
      {
        room: 'b1|r2',
        present: true,
        members: [member],
        transient: [{ key: 'k', value: { a: [1, null] }, ttl: 5 }],
        users: [{ sessionId: 'pub-1', inCall: 1 }],
      },
    ],
  },
  { type: 'room-op', room: 'b1|r1', seq: 1, op: { type: 'join', member } },
  { type: 'room-op', room: 'b1|r1', seq: 2, op: { type: 'leave', sessionid: 'pub-1' } },
  {
    type: 'room-op',
    room: 'b1|r1',
    seq: 3,
    op: { type: 'change', sessionid: 'pub-1', incall: 0, flags: 2, call: false },
  },
  {
    type: 'room-op',
    room: 'b1|r1',
    seq: 4,
    op: { type: 'transient-set', key: 'k', value: 'v', ttl: 0 },
  },
  { type: 'room-op', room: 'b1|r1', seq: 5, op: { type: 'transient-remove', key: 'k' } },
  {
    type: 'room-op',
    room: 'b1|r1',
    seq: 6,
    op: { type: 'relay', call: true, sender: 'pub-2', text: '{}', nick: false },
  },
  { type: 'room-op', room: 'b1|r1', seq: 7, op: { type: 'frame', text: '{}' } },
  {
    type: 'backend-request',
    backend: 'b1',
    room: 'r1',
    stamp: '1700000000000000000',
    request: { type: 'message', message: { data: {} } },
  },
  { type: 'user-relay', backend: 'b1', users: ['u'], except: 'pub-2', text: '{}', nick: true },
  {
    type: 'session-relay',
    to: 'pub-1',
    relay: 'control',
    backend: 'b1',
    sender: { type: 'session', sessionid: 'pub-2' },
    data: { type: 'mute', n: [1, 2] },
    // The text as the client sent it, spacing included, travels as it is.
    dataJson: '{ "type": "mute",\n "n": [1,2] }',
  },
  { type: 'kick', roomsession: 'talk-1', except: 'pub-3' },
  { type: 'publisher-lookup', sessionid: 'pub-1', streamtype: 'video' },
  { type: 'publisher-lookup-reply' },
  {
    type: 'publisher-lookup-reply',
    publisher: { sfu: 'ws://127.0.0.1:8188', room: 4_503_599_627_370_495, feed: 1 },
  },
  {
    type: 'publisher-lookup-reply',
    publisher: {
      sfu: 'https://proxy.example/',
      room: 0,
      feed: 0,
      proxyclient: 'c1a2b3',
      ip: '192.0.2.7',
      token: 'eyJhbGciOiJSUzI1NiJ9.e30.sig',
    },
  },
  { type: 'publisher-closed', sessionid: 'pub-1', streamtype: 'screen', room: 42 },
  { type: 'publisher-closed', sessionid: 'pub-1', streamtype: 'video', room: 0, proxyclient: 'c1' },
  {
    type: 'sfu-sendoffer',
    to: 'pub-2',
    sender: 'pub-1',
    backend: 'b1',
    data: { type: 'sendoffer', roomType: 'screen' },
  },
];

test('bus codec - every message type survives encoding and decoding', () => {
  for (const message of samples) {
    const decoded = decodeBusMessage(encodeBusMessage('server-a', message));
    assert.deepEqual(decoded, { from: 'server-a', message }, message.type);
  }
});

/** A valid proxy publisher location, spoilt one field at a time below. */
const proxyAt = { sfu: 'https://proxy.example/', room: 0, feed: 0, proxyclient: 'c1' };

test('bus codec - bad payloads are rejected with a ProtocolError naming the problem', () => {
  const bad: Array<[unknown, RegExp]> = [
    ['not an object', /must be an object/],
    [{ v: 2, from: 'a', type: 'goodbye' }, /version/],
    [{ v: 1, type: 'goodbye' }, /from missing/],
    [{ v: 1, from: 'a', type: 'frobnicate' }, /unknown bus message type/],
    [{ v: 1, from: 'a', type: 'session-count-reply', count: 1.5 }, /count must be an integer/],
    [{ v: 1, from: 'a', type: 'room-sync', rooms: [1] }, /rooms must hold strings/],
    [{ v: 1, from: 'a', type: 'room-op', room: 'r', seq: 1, op: { type: 'x' } }, /room op/],
    [
      {
        v: 1,
        from: 'a',
        type: 'room-op',
        room: 'r',
        seq: 1,
        op: { type: 'join', member: { ...member, role: 'admin' } },
      },
      /role/,
    ],
    [
      {
        v: 1,
        from: 'a',
        type: 'room-op',
        room: 'r',
        seq: 1,
        op: { type: 'join', member: { ...member, entry: { sessionid: 1 } } },
      },
      /entry/,
    ],
    [{ v: 1, from: 'a', type: 'session-relay', to: 'x', relay: 'bye' }, /relay/],
    [
      { v: 1, from: 'a', type: 'publisher-lookup-reply', publisher: { sfu: 'x', room: '1' } },
      /room must be an integer/,
    ],
    [{ v: 1, from: 'a', type: 'publisher-closed', sessionid: 'p', streamtype: 'video' }, /room/],
    [
      {
        v: 1,
        from: 'a',
        type: 'publisher-closed',
        sessionid: 'p',
        streamtype: 'video',
        room: 0,
        proxyclient: 'x'.repeat(513),
      },
      /proxyclient is longer than 512/,
    ],
    [
      { v: 1, from: 'a', type: 'publisher-lookup-reply', publisher: { ...proxyAt, ip: 'host' } },
      /publisher\.ip must be an IP address/,
    ],
    [
      {
        v: 1,
        from: 'a',
        type: 'publisher-lookup-reply',
        publisher: { ...proxyAt, proxyclient: '' },
      },
      /proxyclient must not be empty/,
    ],
    [
      {
        v: 1,
        from: 'a',
        type: 'publisher-lookup-reply',
        publisher: { ...proxyAt, proxyclient: 7 },
      },
      /proxyclient must be a string/,
    ],
    [
      {
        v: 1,
        from: 'a',
        type: 'publisher-lookup-reply',
        publisher: { ...proxyAt, token: 'x'.repeat(8_193) },
      },
      /publisher\.token is longer than 8192/,
    ],
    [
      {
        v: 1,
        from: 'a',
        type: 'publisher-lookup-reply',
        publisher: { ...proxyAt, sfu: `https://p/${'x'.repeat(2_048)}` },
      },
      /publisher\.sfu is longer than 2048/,
    ],
  ];
  for (const [raw, pattern] of bad) {
    assert.throws(
      () => parseBusMessage(raw),
      (err: unknown) => {
        assert.ok(err instanceof ProtocolError);
        assert.match(err.message, pattern);
        return true;
      },
    );
  }
  assert.throws(() => decodeBusMessage(new TextEncoder().encode('{')), /not JSON/);
});

test('bus codec - relayed data without its text arrives with the text of the payload', () => {
  const message: BusMessage = {
    type: 'session-relay',
    to: 'pub-1',
    relay: 'message',
    backend: 'b1',
    sender: { type: 'session', sessionid: 'pub-2', userid: 'u' },
    data: { type: 'candidate', payload: { candidate: 'a "quoted" \\ text' } },
  };
  const decoded = decodeBusMessage(encodeBusMessage('server-a', message)).message;
  assert.equal(decoded.type, 'session-relay');
  if (decoded.type === 'session-relay') {
    assert.deepEqual(decoded.data, message.data);
    assert.equal(decoded.dataJson, JSON.stringify(message.data));
  }
});
