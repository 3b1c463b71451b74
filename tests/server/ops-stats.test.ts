import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSignaling } from '@spreed-ts/testkit';
import { internalClient, request } from './helpers/ops-env.js';

const backendUrl = 'https://cloud.invalid/';

test('stats - /api/v1/stats counts rooms and sessions, indented JSON as upstream', {
  timeout: 20_000,
}, async () => {
  await using sig = await startSignaling({ backends: [{ url: backendUrl, secret: 's' }] });
  let reply = await request(`${sig.httpUrl}api/v1/stats`);
  assert.equal(reply.status, 200);
  assert.equal(reply.text, '{\n  "rooms": 0,\n  "sessions": 0\n}');
  assert.equal(reply.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
  const a = await internalClient(sig, backendUrl);
  const b = await internalClient(sig, backendUrl);
  // The rooms feature reports rooms and virtual sessions through server.roomMetrics.
  sig.server.roomMetrics.roomCreated('backend-1');
  sig.server.roomMetrics.virtualSessionAdded('backend-1');
  reply = await request(`${sig.httpUrl}api/v1/stats`);
  assert.deepEqual(JSON.parse(reply.text), { rooms: 1, sessions: 3 });
  assert.equal((await request(`${sig.httpUrl}api/v1/stats`, { method: 'POST' })).status, 405);
  assert.equal((await request(`${sig.httpUrl}api/v1/stats/`)).status, 404);
  await a.client.close();
  await b.client.close();
});

test('serverinfo - version, features, dial-out bridges and the bus', {
  timeout: 20_000,
}, async () => {
  await using sig = await startSignaling({ backends: [{ url: backendUrl, secret: 's' }] });
  const bridge = await internalClient(sig, backendUrl, ['start-dialout']);
  const other = await internalClient(sig, backendUrl);
  const reply = await request(`${sig.httpUrl}api/v1/serverinfo`, {
    headers: { 'User-Agent': 'ignored/1.0' },
  });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.match(reply.text, /^\{\n {2}"version": /);
  const welcome = JSON.parse((await request(`${sig.httpUrl}api/v1/welcome`)).text) as {
    version: string;
  };
  const info = JSON.parse(reply.text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(info), ['version', 'features', 'dialout', 'nats']);
  assert.equal(info.version, welcome.version);
  assert.deepEqual(info.features, reply.headers.get('x-spreed-signaling-features')?.split(', '));
  // The test client sends no User-Agent of its own; ws does not add one either.
  assert.deepEqual(info.dialout, [
    {
      sessionid: bridge.sessionId,
      connected: true,
      address: '127.0.0.1',
      features: ['start-dialout'],
    },
  ]);
  assert.deepEqual(info.nats, {
    urls: ['nats://loopback'],
    connected: true,
    serverurl: 'nats://loopback',
  });
  await bridge.client.close();
  await other.client.close();
  const after = JSON.parse((await request(`${sig.httpUrl}api/v1/serverinfo`)).text) as Record<
    string,
    unknown
  >;
  assert.deepEqual(after.dialout, [{ sessionid: bridge.sessionId, connected: false }]);
});
