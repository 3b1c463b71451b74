import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '@spreed-ts/client';
import { chatLine, statusLine } from './status-line.js';

test('status lines - one per step', () => {
  const bob = { sessionId: 'abcdefghijkl', inCall: 3, displayName: 'Bob' };
  assert.equal(
    statusLine({ type: 'connected', sessionId: 'abcdefghijkl', hello: '2.0', features: [] }),
    'connected: signaling session abcdefgh… (hello 2.0)',
  );
  assert.equal(statusLine({ type: 'inRoom', room: 'tok' }), 'in room tok');
  assert.equal(statusLine({ type: 'inCall', mode: 'sfu' }), 'in call (through the SFU)');
  assert.equal(statusLine({ type: 'receiving', participant: bob }), 'receiving from Bob');
  assert.equal(
    statusLine({ type: 'peerConnected', participant: bob, role: 'publisher' }),
    'publishing to the SFU',
  );
  assert.equal(
    statusLine({
      type: 'participantJoined',
      participant: { sessionId: 'abcdefghijkl', inCall: 0 },
    }),
    'a participant joined (session abcdefgh…)',
  );
  assert.equal(statusLine({ type: 'closed' }), undefined);
});

test('chat lines', () => {
  const message = {
    id: 1,
    token: 't',
    actorType: 'guests',
    actorId: 'x',
    actorDisplayName: '',
    timestamp: 0,
    message: 'two\nlines',
    messageType: 'comment',
    systemMessage: '',
    referenceId: '',
    raw: {},
  } satisfies ChatMessage;
  assert.equal(chatLine(message), '[00:00] Guest: two ⏎ lines');
});
