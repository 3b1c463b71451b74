import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderChatMessage, renderRichText } from './chat-render.js';
import { parseChatMessage, parseMessageParameters } from './http/talk-types.js';

test('renderChatMessage - system messages as Talk sends them', () => {
  const started = parseChatMessage({
    id: 7,
    message: '{actor} started a call',
    messageType: 'system',
    systemMessage: 'call_started',
    messageParameters: {
      actor: { type: 'guest', id: 'guest/abc', name: 'Alice (guest)', 'mention-id': 'guest/abc' },
    },
  });
  assert.equal(renderChatMessage(started), 'Alice (guest) started a call');
  const ended = parseChatMessage({
    id: 8,
    message: '{actor} ended the call with {user1} and {user2} (Duration 0:42)',
    messageParameters: {
      actor: { type: 'user', id: 'alice', name: 'Alice' },
      user1: { type: 'user', id: 'bob', name: 'Bob', 'mention-id': 'bob' },
      user2: { type: 'user', id: 'carol', name: 'Carol' },
    },
  });
  assert.equal(renderChatMessage(ended), 'Alice ended the call with Bob and Carol (Duration 0:42)');
  const group = parseChatMessage({
    id: 9,
    message: '{actor} added group {group}',
    messageParameters: {
      actor: { type: 'user', id: 'alice', name: 'Alice' },
      group: { type: 'group', id: 'staff', name: 'Staff', 'mention-id': 'user-group/staff' },
    },
  });
  assert.equal(renderChatMessage(group), 'Alice added group Staff');
});

test('renderChatMessage - every mention kind gets an @', () => {
  const message = parseChatMessage({
    id: 1,
    message:
      'hi {mention-user1}, {mention-guest1}, {mention-group1}, {mention-call1}, {mention-federated-user1}, {mention-team1} and {mention-email1}',
    messageParameters: {
      'mention-user1': { type: 'user', id: 'bob', name: 'Bob', 'mention-id': 'bob' },
      'mention-guest1': { type: 'guest', id: 'guest/123', name: 'Gina' },
      'mention-group1': { type: 'user-group', id: 'staff', name: 'Staff' },
      'mention-call1': {
        type: 'call',
        id: 'tok3n',
        name: 'Daily',
        'call-type': 'public',
        'icon-url': 'https://cloud/avatar',
      },
      'mention-federated-user1': {
        type: 'user',
        id: 'fred',
        name: 'Fred',
        server: 'https://other.example',
        'mention-id': 'federated_user/fred@other.example',
      },
      'mention-team1': { type: 'circle', id: 'c1', name: 'Team', link: 'https://cloud/c1' },
      'mention-email1': { type: 'email', id: 'email/x', name: 'Xavier' },
    },
  });
  assert.equal(
    renderChatMessage(message),
    'hi @Bob, @Gina, @Staff, @Daily, @Fred, @Team and @Xavier',
  );
  assert.equal(
    message.messageParameters['mention-federated-user1']?.server,
    'https://other.example',
  );
  assert.equal(message.messageParameters['mention-call1']?.['call-type'], 'public');
});

test('renderChatMessage - files, polls, deck cards, locations, highlights render by name', () => {
  const parameters = parseMessageParameters({
    file: {
      type: 'file',
      id: 42,
      name: 'report.pdf',
      size: '1234',
      path: 'Talk/report.pdf',
      link: 'https://cloud/f/42',
      mimetype: 'application/pdf',
      'preview-available': 'no',
    },
    poll: { type: 'talk-poll', id: 3, name: 'Lunch?' },
    card: { type: 'deck-card', id: '5', name: 'Fix the bug', link: 'https://cloud/deck/5' },
    place: {
      type: 'geo-location',
      id: 'geo:52.5,13.4',
      name: 'Berlin',
      latitude: '52.5',
      longitude: '13.4',
    },
    deleted: { type: 'highlight', id: 'deleted_user', name: 'Deleted user' },
    call: { type: 'call', id: 'tok3n', name: 'Daily', 'call-type': 'group' },
  });
  assert.equal(parameters.file?.id, '42');
  assert.equal(parameters.file?.size, 1234);
  assert.equal(parameters.file?.mimetype, 'application/pdf');
  assert.equal(parameters.poll?.id, '3');
  assert.equal(
    renderRichText('{file} {poll} {card} {place} {deleted} {call}', parameters),
    'report.pdf Lunch? Fix the bug Berlin Deleted user Daily',
  );
});

test('renderRichText - unknown placeholders stay, empty names fall back to the id, PHP [] is empty', () => {
  assert.deepEqual(parseMessageParameters([]), {});
  assert.deepEqual(parseMessageParameters({ bad: 'x', alsoBad: { id: 'no type' } }), {});
  const parameters = parseMessageParameters({ actor: { type: 'user', id: 'alice', name: '' } });
  assert.equal(
    renderRichText('{actor} said {nothing} {toString}', parameters),
    'alice said {nothing} {toString}',
  );
  assert.equal(renderRichText('no placeholders {', {}), 'no placeholders {');
});
