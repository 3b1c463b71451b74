import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevBackend } from '@spreed-ts/devbackend';
import { startSignaling, waitUntil } from '@spreed-ts/testkit';
import { sample, scrape } from './helpers/ops-env.js';
import { joinedClient, settle, startRoomsEnv } from './helpers/rooms-env.js';

/** Polls `check` until it holds. */

test('limits - a client that stops reading is dropped; the others keep getting everything', {
  timeout: 60_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.addUser('bob');
  env.dev.addUser('carol');
  env.dev.createRoom({ token: 'slow', owner: 'alice' });
  const alice = await joinedClient(env, 'slow', 'alice');
  const bob = await joinedClient(env, 'slow', 'bob');
  const carol = await joinedClient(env, 'slow', 'carol');
  await settle(env, alice.client, bob.client, carol.client);
  const connections = env.sig.server.hub.connectionCount;

  // Carol's TCP window fills, then the server's send buffer for her (4 MiB).
  carol.client.socket.pause();
  let received = 0;
  bob.client.socket.on('message', (data) => {
    if ((JSON.parse(String(data)) as { type: string }).type === 'message') {
      received += 1;
    }
  });
  const payload = 'x'.repeat(60 * 1024);
  let sent = 0;
  const broadcast = (data: unknown) => {
    alice.client.send({ type: 'message', message: { recipient: { type: 'room' }, data } });
    sent += 1;
  };
  while (env.sig.server.hub.connectionCount === connections && sent < 2000) {
    for (let i = 0; i < 20; i++) {
      broadcast({ n: sent, payload });
    }
    // Bob reads: the server forwards to him as fast as alice sends.
    await waitUntil(() => received >= sent - 40, 10_000, 'bob to keep up');
  }
  assert.equal(env.sig.server.hub.connectionCount, connections - 1, `sent ${sent} messages`);
  // Far more than the 4 MiB send buffer went out before carol was dropped.
  assert.ok(sent * payload.length > 4 * 1024 * 1024, `dropped after ${sent} messages`);
  // Bob got every message and still gets new ones.
  broadcast({ n: 'last' });
  await waitUntil(() => received >= sent, 10_000, 'bob to get all messages');
  assert.equal(bob.client.isClosed, false);
  // Carol, reading again, finds the connection closed as a policy violation.
  carol.client.socket.resume();
  assert.equal(await carol.client.closed, 1008);
});

test('limits - a disconnected session queues at most 1024 messages, then it is expired', {
  timeout: 60_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'queue', owner: 'alice' });
  const alice = await joinedClient(env, 'queue', 'alice');
  const small = await joinedClient(env, 'queue', null);
  const big = await joinedClient(env, 'queue', null);
  await settle(env, alice.client, small.client, big.client);

  await small.client.close();
  for (let i = 0; i < 10; i++) {
    alice.client.send({
      type: 'message',
      message: { recipient: { type: 'session', sessionid: small.sessionId }, data: { n: i } },
    });
  }
  await big.client.close();
  for (let i = 0; i < 1100; i++) {
    alice.client.send({
      type: 'message',
      message: { recipient: { type: 'session', sessionid: big.sessionId }, data: { n: i } },
    });
  }
  // A round trip through alice's connection: everything before it was processed.
  alice.client.send({ type: 'message', message: { recipient: { type: 'room' }, data: 'sync' } });
  await waitUntil(() => env.sig.server.hub.session(big.sessionId) === undefined, 10_000, 'expiry');

  const resumed = await env.sig.connect();
  resumed.send({ type: 'hello', hello: { version: '2.0', resumeid: small.resumeId } });
  assert.equal((await resumed.next()).type, 'hello');
  for (let i = 0; i < 10; i++) {
    const frame = await resumed.next('message');
    assert.deepEqual((frame.message as { data: unknown }).data, { n: i });
  }
  const lost = await env.sig.connect();
  lost.send({ type: 'hello', hello: { version: '2.0', resumeid: big.resumeId } });
  assert.equal(((await lost.next('error')).error as { code: string }).code, 'no_such_session');
  await resumed.close();
  await lost.close();
});

test('limits - a backend that does not answer within [backend] timeout fails the hello', {
  timeout: 30_000,
}, async () => {
  await using dev = new DevBackend();
  await dev.start();
  await using sig = await startSignaling({
    backends: [{ url: dev.url, secret: dev.secret }],
    extraConfig: '[backend]\ntimeout = 1',
  });
  dev.addUser('alice');
  dev.injectFault({ kind: 'delay', ms: 4_000 }, { type: 'auth', times: 1 });
  const client = await sig.connect();
  const started = Date.now();
  client.send({
    type: 'hello',
    hello: {
      version: '1.0',
      auth: { url: dev.url, params: { userid: 'alice', ticket: dev.ticketFor('alice') } },
    },
  });
  const reply = await client.next('error', 10_000);
  const elapsed = Date.now() - started;
  assert.equal((reply.error as { code: string }).code, 'internal_error');
  assert.ok(elapsed >= 900 && elapsed < 3_500, `answered after ${elapsed} ms`);
  const text = await scrape(sig);
  assert.equal(
    sample(text, 'signaling_backend_client_requests_errors_total', {
      backend: 'backend-1',
      error: 'timeout',
    }),
    1,
  );
  // The connection stays usable: the next hello (no fault left) succeeds.
  client.send({
    type: 'hello',
    hello: {
      version: '1.0',
      auth: { url: dev.url, params: { userid: 'alice', ticket: dev.ticketFor('alice') } },
    },
  });
  assert.equal((await client.next((f) => f.type === 'hello' || f.type === 'error')).type, 'hello');
  await client.close();
});
