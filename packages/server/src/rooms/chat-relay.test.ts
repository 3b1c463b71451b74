import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shapeChatData } from './chat-relay.js';

const relay = { chatRelay: true, hideDisplayNames: false };
const plain = { chatRelay: false, hideDisplayNames: false };
const comment = { id: 1, message: 'hi', actorDisplayName: 'Alice' };

test('chat relay - refresh with a comment: chat-relay clients get the comment, others a refresh', () => {
  const data = { type: 'chat', chat: { refresh: true, comment } };
  assert.deepEqual(shapeChatData(data, relay), [{ type: 'chat', chat: { comment } }]);
  assert.deepEqual(shapeChatData(data, plain), [{ type: 'chat', chat: { refresh: true } }]);
});

test('chat relay - several comments become one frame each, comment first', () => {
  const second = { id: 2, message: 'there' };
  const data = { type: 'chat', chat: { refresh: true, comment, comments: [second, null] } };
  assert.deepEqual(shapeChatData(data, relay), [
    { type: 'chat', chat: { comment } },
    { type: 'chat', chat: { comment: second } },
  ]);
});

test('chat relay - a plain refresh and non-chat data pass unchanged', () => {
  assert.equal(shapeChatData({ type: 'chat', chat: { refresh: true } }, plain), undefined);
  assert.equal(shapeChatData({ type: 'chat', chat: { refresh: true } }, relay), undefined);
  assert.equal(shapeChatData({ type: 'recording', recording: { status: 1 } }, plain), undefined);
  assert.equal(shapeChatData('text', plain), undefined);
  // A wrongly typed field makes upstream pass the data through as it is.
  assert.equal(
    shapeChatData({ type: 'chat', chat: { refresh: 'yes', comment } }, plain),
    undefined,
  );
});

test('chat relay - comments without refresh are relayed to every client', () => {
  const data = { type: 'chat', chat: { comment } };
  assert.deepEqual(shapeChatData(data, plain), [{ type: 'chat', chat: { comment } }]);
});

test('chat relay - hide-displaynames blanks the author names', () => {
  const data = { type: 'chat', chat: { refresh: true, comment } };
  assert.deepEqual(shapeChatData(data, { chatRelay: true, hideDisplayNames: true }), [
    { type: 'chat', chat: { comment: { ...comment, actorDisplayName: '' } } },
  ]);
  // Without comments (non-relay client) there is nothing to blank.
  assert.deepEqual(shapeChatData(data, { chatRelay: false, hideDisplayNames: true }), [
    { type: 'chat', chat: { refresh: true } },
  ]);
});
