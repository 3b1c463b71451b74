import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevBackend } from '../dev-backend.js';
import { backendRequest } from '../fixtures/http-fixtures.js';

const T = { timeout: 10_000 };
const ping = { type: 'ping', ping: { version: '1.0', entries: [] } };

async function started(): Promise<DevBackend> {
  const backend = new DevBackend({ secret: 's' });
  await backend.start();
  return backend;
}

test('faults - HTTP 500 for the next request only', T, async () => {
  await using backend = await started();
  backend.injectFault({ kind: 'status', status: 500 }, { times: 1 });
  const first = await backendRequest(backend.url, ping, 's');
  assert.equal(first.status, 500);
  const second = await backendRequest(backend.url, ping, 's');
  assert.equal(second.status, 200);
  assert.equal(second.json.ocs.data.type, 'room');
  assert.equal(backend.backendRequests[0]?.response?.status, 500);
});

test('faults - garbage answers 200 with a body that is not an OCS envelope', T, async () => {
  await using backend = await started();
  backend.injectFault({ kind: 'garbage' });
  const res = await backendRequest(backend.url, ping, 's');
  assert.equal(res.status, 200);
  assert.equal(res.json, undefined);
  assert.match(res.text, /<html>/);
});

test('faults - delay postpones the answer', T, async () => {
  await using backend = await started();
  backend.injectFault({ kind: 'delay', ms: 300 }, { times: 1 });
  const start = Date.now();
  const res = await backendRequest(backend.url, ping, 's');
  assert.ok(Date.now() - start >= 290);
  assert.equal(res.json.ocs.data.type, 'room');
});

test(
  'faults - a type filter leaves other requests alone; clearFaults removes faults',
  T,
  async () => {
    await using backend = await started();
    backend.injectFault({ kind: 'status', status: 503, body: 'nope' }, { type: 'auth' });
    assert.equal((await backendRequest(backend.url, ping, 's')).status, 200);
    const auth = await backendRequest(backend.url, { type: 'auth', auth: { params: {} } }, 's');
    assert.equal(auth.status, 503);
    assert.equal(auth.text, 'nope');
    backend.clearFaults();
    const again = await backendRequest(backend.url, { type: 'auth', auth: { params: {} } }, 's');
    assert.equal(again.json.ocs.data.error.code, 'invalid_ticket');
  },
);
