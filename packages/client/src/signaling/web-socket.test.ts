import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageText, signalingWebSocketUrl } from './web-socket.js';

test('signalingWebSocketUrl - like the Talk web client', () => {
  assert.equal(
    signalingWebSocketUrl('https://cloud.example.com/standalone-signaling/'),
    'wss://cloud.example.com/standalone-signaling/spreed',
  );
  assert.equal(signalingWebSocketUrl('http://127.0.0.1:8081'), 'ws://127.0.0.1:8081/spreed');
  assert.equal(signalingWebSocketUrl(['wss://a/spreed']), 'wss://a/spreed');
  assert.throws(() => signalingWebSocketUrl(''), /no standalone signaling server/);
});

test('messageText - strings, buffers, array buffers', () => {
  assert.equal(messageText('x'), 'x');
  assert.equal(messageText(Buffer.from('hi')), 'hi');
  assert.equal(messageText(new TextEncoder().encode('ab').buffer), 'ab');
  assert.equal(messageText(42), undefined);
});
