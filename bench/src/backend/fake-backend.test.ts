import assert from 'node:assert/strict';
import test from 'node:test';
import { answer, SIGNALING_BACKEND_PATH, startFakeBackend } from './fake-backend.js';

test('answer - auth returns the user id from the params; room echoes the room id', () => {
  assert.deepEqual(answer({ type: 'auth', auth: { version: '1.0', params: { userid: 'u7' } } }), {
    type: 'auth',
    auth: { version: '1.0', userid: 'u7', user: {} },
  });
  const room = answer({ type: 'room', room: { version: '1.0', roomid: 'r1' } }) as {
    room: { roomid: string };
  };
  assert.equal(room.room.roomid, 'r1');
  assert.equal((answer({ type: 'nope' }) as { type: string }).type, 'error');
});

test('startFakeBackend - answers in an OCS envelope with a JSON content type', async () => {
  const backend = await startFakeBackend();
  try {
    const res = await fetch(`http://127.0.0.1:${backend.port}${SIGNALING_BACKEND_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'ping', ping: { version: '1.0', roomid: 'r' } }),
    });
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as { ocs: { data: { type: string } } };
    assert.equal(body.ocs.data.type, 'ping');
    assert.equal(backend.counts.ping, 1);
  } finally {
    await backend.close();
  }
});
