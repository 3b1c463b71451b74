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
  assert.equal(
    statusLine({ type: 'peerRetrying', participant: bob, attempt: 2, reason: 'no answer' }),
    'no connection with Bob yet (no answer): trying again (attempt 2)',
  );
  assert.equal(
    statusLine({ type: 'peerFailed', participant: bob, reason: 'ICE failed' }),
    'failed to connect to Bob: ICE failed; no audio with them',
  );
  assert.equal(statusLine({ type: 'closed' }), undefined);
});

test('chat lines - local time, rendered placeholders', () => {
  const message = {
    id: 1,
    token: 't',
    actorType: 'guests',
    actorId: 'x',
    actorDisplayName: '',
    timestamp: 0,
    message: 'two\nlines',
    messageParameters: {},
    messageType: 'comment',
    systemMessage: '',
    referenceId: '',
    raw: {},
  } satisfies ChatMessage;
  assert.equal(chatLine(message, { timeZone: 'UTC' }), '[00:00] Guest: two ⏎ lines');
  assert.equal(chatLine(message, { timeZone: 'Asia/Kolkata' }), '[05:30] Guest: two ⏎ lines');
  const alice = { type: 'user', id: 'alice', name: 'Alice', raw: {} };
  const bob = { type: 'user', id: 'bob', name: 'Bob', 'mention-id': 'bob', raw: {} };
  assert.equal(
    chatLine(
      {
        ...message,
        message: '{actor} started a call',
        messageType: 'system',
        systemMessage: 'call_started',
        messageParameters: { actor: alice },
      },
      { timeZone: 'UTC' },
    ),
    '[00:00] * Alice started a call',
  );
  assert.equal(
    chatLine(
      {
        ...message,
        actorDisplayName: 'Alice',
        message: 'hi {mention-user1}',
        messageParameters: { 'mention-user1': bob },
      },
      { timeZone: 'UTC' },
    ),
    '[00:00] Alice: hi @Bob',
  );
});

test('status line - who sends what, and video received', () => {
  const bob = { sessionId: 'b', inCall: 7, displayName: 'Bob' };
  assert.equal(
    statusLine({ type: 'participantMedia', participant: bob, audio: true, video: true }),
    'Bob is in the call with audio and video',
  );
  assert.equal(
    statusLine({ type: 'participantMedia', participant: bob, audio: false, video: false }),
    'Bob is in the call without audio or video',
  );
  assert.equal(
    statusLine({ type: 'receivingVideo', participant: bob, roomType: 'video' }),
    'receiving video from Bob',
  );
  assert.equal(
    statusLine({ type: 'receivingVideo', participant: bob, roomType: 'screen' }),
    "receiving Bob's screen",
  );
});
