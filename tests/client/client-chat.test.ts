import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage, TalkClient } from '@spreed-ts/client';
import { startTalkEnv } from './helpers/talk-env.js';

/** The next chat message `client` receives that matches `text`. */
function nextMessage(client: TalkClient, text: string, timeoutMs = 10_000): Promise<ChatMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no chat message "${text}"`)), timeoutMs);
    const onMessage = (message: ChatMessage): void => {
      if (message.message === text) {
        clearTimeout(timer);
        client.off('chatMessage', onMessage);
        resolve(message);
      }
    };
    client.on('chatMessage', onMessage);
  });
}

test('chat - round trip between two guests, pushed by the signaling server (chat-relay)', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  const a = await env.join({ name: 'Alice' });
  const b = await env.join({ name: 'Bob' });
  assert.ok(a.signaling?.session?.features.includes('chat-relay'));
  const atB = nextMessage(b, 'hello from Alice');
  const sent = await a.chat.send('hello from Alice');
  assert.equal(sent.actorDisplayName, 'Alice');
  const received = await atB;
  assert.equal(received.id, sent.id);
  assert.equal(received.actorDisplayName, 'Alice');
  assert.equal(received.actorId, a.actorId);
  const atA = nextMessage(a, 'hi Alice');
  await b.chat.send('hi Alice');
  assert.equal((await atA).actorDisplayName, 'Bob');
});

test('chat - without chat relay the refresh hint makes the client fetch', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv({ chatRelay: false });
  const a = await env.join({ name: 'Alice' });
  const b = await env.join({ name: 'Bob' });
  const atB = nextMessage(b, 'fetched, not pushed');
  await a.chat.send('fetched, not pushed');
  assert.equal((await atB).actorDisplayName, 'Alice');
});

test('chat - history oldest first, and long-poll follow without signaling', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  const a = await env.join({ name: 'Alice' });
  await a.chat.send('one');
  await a.chat.send('two');
  const reader = await env.join({ name: 'Reader', signaling: false });
  assert.equal(reader.signaling, undefined);
  const history = await reader.chat.history({ limit: 10 });
  assert.deepEqual(
    history.map((m) => m.message),
    ['one', 'two'],
  );
  const iterator = reader.chat.messages();
  await a.chat.send('three');
  const next = await iterator.next();
  assert.equal(next.done, false);
  assert.equal((next.value as ChatMessage).message, 'three');
  await iterator.return?.();
});
