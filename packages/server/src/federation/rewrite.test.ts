import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cloudOf, type RewriteIds, rewriteIncoming, rewriteOutgoing } from './rewrite.js';

const ids: RewriteIds = {
  localSessionId: 'local',
  remoteSessionId: 'remote',
  roomId: 'here',
  remoteRoomId: 'there',
  localCloud: '@a.example',
  remoteCloud: '@b.example/nc',
  localUrl: 'https://a.example',
  remoteUrl: 'https://b.example/nc',
};

test('federation rewrite - cloud ids drop scheme, OCS path and trailing slash', () => {
  assert.equal(cloudOf('https://b.example/nc/'), 'b.example/nc');
  assert.equal(cloudOf('http://b.example/ocs/v2.php/apps/spreed'), 'b.example');
});

test('federation rewrite - participants: own session, actors and room id', () => {
  const frame = {
    type: 'event',
    event: {
      target: 'participants',
      type: 'update',
      update: {
        roomid: 'there',
        users: [
          { sessionId: 'remote', actorType: 'federated_users', actorId: 'alice@a.example' },
          { sessionId: 'other', actorType: 'users', actorId: 'bob' },
        ],
      },
    },
  };
  rewriteIncoming(frame, ids);
  assert.deepEqual(frame.event.update, {
    roomid: 'here',
    users: [
      { sessionId: 'local', actorType: 'users', actorId: 'alice' },
      { sessionId: 'other', actorType: 'federated_users', actorId: 'bob@b.example/nc' },
    ],
  });
});

test('federation rewrite - room leave, transient keys and outgoing recipients', () => {
  const leave = { type: 'event', event: { target: 'room', type: 'leave', leave: ['x', 'remote'] } };
  rewriteIncoming(leave, ids);
  assert.deepEqual(leave.event.leave, ['x', 'local']);
  const transient = { type: 'transient', transient: { type: 'set', key: 'sd:remote' } };
  rewriteIncoming(transient, ids);
  assert.equal(transient.transient.key, 'sd:local');
  const out = { type: 'message', message: { recipient: { type: 'session', sessionid: 'local' } } };
  rewriteOutgoing(out, ids);
  assert.equal(out.message.recipient.sessionid, 'remote');
});

test('federation rewrite - chat comments: actors, token and mentions', () => {
  const comment = {
    actorType: 'users',
    actorId: 'bob',
    token: 'there',
    messageParameters: {
      'mention-user1': { type: 'user', id: 'bob' },
      'mention-user2': {
        type: 'user',
        id: 'alice',
        'mention-id': 'alice',
        server: 'https://a.example',
      },
      'mention-call': { type: 'call', id: 'there' },
    },
  };
  const frame = {
    type: 'event',
    event: {
      target: 'room',
      type: 'message',
      message: { roomid: 'there', data: { type: 'chat', chat: { comment } } },
    },
  };
  rewriteIncoming(frame, ids);
  assert.equal(frame.event.message.roomid, 'here');
  assert.deepEqual(comment, {
    actorType: 'federated_users',
    actorId: 'bob@b.example/nc',
    token: 'here',
    messageParameters: {
      'mention-user1': {
        type: 'user',
        id: 'bob',
        'mention-id': 'bob',
        server: 'https://b.example/nc',
      },
      'mention-user2': { type: 'user', id: 'alice', 'mention-id': 'alice' },
      'mention-call': { type: 'call', id: 'here' },
    },
  });
});
