import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerMessage } from '@spreed-ts/protocol';
import type { Backend } from '../backend/backend-registry.js';
import type { ClientConnection } from '../transport/client-connection.js';
import { ClientSession, MAX_PENDING_MESSAGES } from './client-session.js';

function newSession(): ClientSession {
  return new ClientSession({
    publicId: 'pub',
    privateId: 'priv',
    clientType: 'client',
    backend: { id: 'nc' } as Backend,
    backendUrl: 'https://nc.invalid/',
    userId: 'u',
    user: undefined,
    features: [],
  });
}

/** A connection that records what it is sent. */
function recorder(): { connection: ClientConnection; sent: string[] } {
  const sent: string[] = [];
  const connection = {
    isOpen: true,
    send: (text: string) => {
      sent.push(text);
      return true;
    },
  } as unknown as ClientConnection;
  return { connection, sent };
}

const chatRefresh: ServerMessage = {
  type: 'event',
  event: {
    target: 'room',
    type: 'message',
    message: { roomid: 'r', data: { type: 'chat', chat: { refresh: true } } },
  },
} as ServerMessage;

test('offline queue - messages wait while disconnected and replay in order on resume', () => {
  const session = newSession();
  let overflowed = false;
  session.onOverflow = () => {
    overflowed = true;
  };
  for (let i = 0; i < 10; i++) {
    session.sendText(`m${i}`);
  }
  session.send(chatRefresh);
  session.send(chatRefresh);
  const { connection, sent } = recorder();
  session.attach(connection);
  session.flushPending();
  assert.equal(overflowed, false);
  // One chat refresh at most.
  assert.equal(sent.length, 11);
  assert.deepEqual(
    sent.slice(0, 10),
    Array.from({ length: 10 }, (_, i) => `m${i}`),
  );
});

test(`offline queue - more than ${MAX_PENDING_MESSAGES} messages overflow: queue dropped, owner told`, () => {
  const session = newSession();
  const overflows: ClientSession[] = [];
  session.onOverflow = (s) => overflows.push(s);
  for (let i = 0; i < MAX_PENDING_MESSAGES; i++) {
    session.sendText(`m${i}`);
  }
  assert.equal(overflows.length, 0);
  session.sendText('one too many');
  assert.deepEqual(overflows, [session]);
  const { connection, sent } = recorder();
  session.attach(connection);
  session.flushPending();
  assert.deepEqual(sent, []);
});

test('offline queue - a closed session drops messages instead of queueing', () => {
  const session = newSession();
  session.markClosed();
  for (let i = 0; i < MAX_PENDING_MESSAGES + 10; i++) {
    session.sendText('x');
  }
  const { connection, sent } = recorder();
  session.attach(connection);
  session.flushPending();
  assert.deepEqual(sent, []);
});
