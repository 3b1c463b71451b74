import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  callsAreEndToEndEncrypted,
  parseChatMessages,
  parseSignalingSettings,
  parseTalkCapabilities,
  parseTalkRoom,
} from './talk-types.js';

test('parseSignalingSettings - Talk settings with v1/v2 auth, STUN and TURN', () => {
  const settings = parseSignalingSettings({
    signalingMode: 'external',
    userId: null,
    server: 'https://cloud.example.com/standalone-signaling/',
    ticket: 't1',
    helloAuthParams: { '1.0': { userid: null, ticket: 't1' }, '2.0': { token: 'jwt' } },
    stunservers: [{ urls: ['stun:cloud.example.com:3478'] }],
    turnservers: [
      { urls: ['turn:cloud.example.com:3478?transport=udp'], username: 'u', credential: 'c' },
      { urls: [] },
    ],
  });
  assert.equal(settings.userId, null);
  assert.deepEqual(settings.helloAuthParams['2.0'], { token: 'jwt' });
  assert.deepEqual(settings.helloAuthParams['1.0'], { userid: null, ticket: 't1' });
  assert.deepEqual(settings.stunServers, [{ urls: ['stun:cloud.example.com:3478'] }]);
  assert.deepEqual(settings.turnServers, [
    { urls: ['turn:cloud.example.com:3478?transport=udp'], username: 'u', credential: 'c' },
  ]);
});

test('parseTalkRoom - session id, actor, flags', () => {
  const room = parseTalkRoom({
    token: 'abc',
    displayName: 'Daily',
    sessionId: 's1',
    actorType: 'guests',
    actorId: 'g1',
    participantType: 4,
    permissions: 254,
    readOnly: 1,
    lobbyState: 0,
    hasPassword: true,
    callFlag: 3,
  });
  assert.equal(room.name, 'Daily');
  assert.equal(room.sessionId, 's1');
  assert.equal(room.readOnly, true);
  assert.equal(room.callFlag, 3);
  assert.throws(() => parseTalkRoom({}), /no token/);
});

test('parseChatMessages - arrays and PHP empty objects', () => {
  assert.deepEqual(parseChatMessages({}), []);
  const [m] = parseChatMessages([{ id: 5, message: 'hi', actorDisplayName: 'A', timestamp: 1 }]);
  assert.equal(m?.id, 5);
  assert.equal(m?.messageType, 'comment');
});

test('capabilities - Talk presence and end-to-end encryption', () => {
  assert.equal(parseTalkCapabilities({ capabilities: { core: {} } }), undefined);
  const caps = parseTalkCapabilities({
    capabilities: {
      spreed: {
        features: ['audio', 'call-end-to-end-encryption'],
        config: { call: { 'end-to-end-encryption': true } },
        version: '21.0.0',
      },
    },
  });
  assert.ok(caps);
  assert.equal(callsAreEndToEndEncrypted(caps), true);
  assert.equal(
    callsAreEndToEndEncrypted({ ...caps, config: { call: { 'end-to-end-encryption': false } } }),
    false,
  );
});
