import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevBackend } from '../dev-backend.js';
import { OcsTestClient, startReceiver } from '../fixtures/http-fixtures.js';

const T = { timeout: 15_000 };
const API = 'ocs/v2.php/apps/spreed/api';

async function guest(backend: DevBackend, token: string): Promise<OcsTestClient> {
  const client = new OcsTestClient(backend.url);
  const res = await client.post(`${API}/v4/room/${token}/participants/active`, { force: true });
  assert.equal(res.status, 200);
  return client;
}

test('chat - long-poll without new messages ends with 304 after timeout seconds', T, async () => {
  await using backend = new DevBackend();
  await backend.start();
  const room = backend.createRoom();
  const client = await guest(backend, room.token);
  const start = Date.now();
  const res = await client.get(
    `${API}/v1/chat/${room.token}?lookIntoFuture=1&lastKnownMessageId=0&timeout=1&format=json`,
  );
  assert.equal(res.status, 304);
  assert.ok(Date.now() - start >= 900);
});

test(
  'chat - a message posted during the long-poll is delivered with X-Chat-Last-Given',
  T,
  async () => {
    await using backend = new DevBackend();
    await backend.start();
    const room = backend.createRoom();
    const reader = await guest(backend, room.token);
    const writer = await guest(backend, room.token);
    const poll = reader.get(
      `${API}/v1/chat/${room.token}?lookIntoFuture=1&lastKnownMessageId=0&timeout=10`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sent = await writer.post(`${API}/v1/chat/${room.token}`, {
      message: 'I am human!',
      actorDisplayName: 'Human tester',
    });
    assert.equal(sent.status, 201);
    assert.equal(sent.json.ocs.data.message, 'I am human!');
    assert.equal(sent.json.ocs.data.actorDisplayName, 'Human tester');
    const res = await poll;
    assert.equal(res.status, 200);
    assert.equal(res.json.ocs.data.length, 1);
    assert.equal(res.json.ocs.data[0].id, sent.json.ocs.data.id);
    assert.equal(res.headers.get('x-chat-last-given'), String(sent.json.ocs.data.id));
    // Nothing newer: the next poll with the given id times out.
    const next = await reader.get(
      `${API}/v1/chat/${room.token}?lookIntoFuture=1&lastKnownMessageId=${sent.json.ocs.data.id}&timeout=1`,
    );
    assert.equal(next.status, 304);
  },
);

test('chat - history is newest first; an empty history is 304', T, async () => {
  await using backend = new DevBackend();
  await backend.start();
  const room = backend.createRoom();
  const client = await guest(backend, room.token);
  assert.equal((await client.get(`${API}/v1/chat/${room.token}?lookIntoFuture=0`)).status, 304);
  backend.postMessage(room.token, 'one');
  backend.postMessage(room.token, 'two');
  const res = await client.get(`${API}/v1/chat/${room.token}?lookIntoFuture=0&limit=10`);
  assert.deepEqual(
    res.json.ocs.data.map((m: { message: string }) => m.message),
    ['two', 'one'],
  );
  assert.equal(res.headers.get('x-chat-last-given'), String(res.json.ocs.data[1].id));
});

test('chat - posting notifies a chat refresh with the comment relayed', T, async () => {
  await using receiver = await startReceiver();
  await using backend = new DevBackend({ signalingUrl: receiver.url });
  await backend.start();
  const room = backend.createRoom();
  const client = await guest(backend, room.token);
  const sent = await client.post(`${API}/v1/chat/${room.token}`, { message: 'hello' });
  const request = await receiver.waitFor((r) => JSON.parse(r.body).type === 'message');
  assert.deepEqual(JSON.parse(request.body), {
    type: 'message',
    message: { data: { type: 'chat', chat: { refresh: true, comment: sent.json.ocs.data } } },
  });
});

test('chat - read-only rooms refuse posts with 403; strangers get 404', T, async () => {
  await using backend = new DevBackend();
  await backend.start();
  const room = backend.createRoom({ readOnly: true });
  const client = await guest(backend, room.token);
  assert.equal((await client.post(`${API}/v1/chat/${room.token}`, { message: 'x' })).status, 403);
  const stranger = new OcsTestClient(backend.url);
  assert.equal((await stranger.get(`${API}/v1/chat/${room.token}?lookIntoFuture=0`)).status, 404);
});

test('chat - closing the backend ends a pending long-poll', T, async () => {
  const backend = new DevBackend();
  await backend.start();
  const room = backend.createRoom();
  const client = await guest(backend, room.token);
  const poll = client.get(`${API}/v1/chat/${room.token}?lookIntoFuture=1&timeout=30`).then(
    (r) => r.status,
    () => 'closed',
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  const start = Date.now();
  await backend.close();
  assert.ok(['closed', 304].includes(await poll));
  assert.ok(Date.now() - start < 5000);
});
