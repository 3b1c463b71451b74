import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { silentLogger } from '../../logger.js';
import { SfuClosedError } from '../errors.js';
import { FakeJanus } from './fake-janus.js';
import { JanusGateway } from './janus-gateway.js';

const FAST = { keepaliveMs: 50, reconnectInitialMs: 20, reconnectMaxMs: 80 };

async function setup() {
  const fake = await FakeJanus.start();
  const gateway = new JanusGateway({
    url: fake.url,
    timeoutMs: 500,
    logger: silentLogger,
    timings: FAST,
  });
  return {
    fake,
    gateway,
    async [Symbol.asyncDispose]() {
      await gateway.close();
      await fake.close();
    },
  };
}

test('janus gateway - connects, checks the videoroom plugin, creates a session, keeps it alive', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const connected = once(env.gateway, 'connected');
  env.gateway.start();
  const [info] = await connected;
  assert.equal(info.version, 1102);
  assert.equal(env.gateway.connected, true);
  assert.deepEqual(
    env.fake.requests.slice(0, 2).map((r) => r.janus),
    ['info', 'create'],
  );
  const keepalive = await env.fake.waitFor('keepalive', 2);
  assert.equal(typeof keepalive.session_id, 'number');
});

test('janus gateway - refuses a Janus without the videoroom plugin and retries', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  env.fake.respond = (r) =>
    r.janus === 'info'
      ? [{ janus: 'server_info', transaction: r.transaction, data_channels: true, plugins: {} }]
      : undefined;
  env.gateway.start();
  await env.fake.waitFor('info', 2);
  assert.equal(env.gateway.connected, false);
  assert.equal(env.fake.sent('create').length, 0);
  env.fake.respond = undefined;
  await once(env.gateway, 'connected');
});

test('janus gateway - a Janus restart closes the handles, emits disconnected and reconnects', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  env.gateway.start();
  await once(env.gateway, 'connected');
  const handle = await env.gateway.attach();
  const handleClosed = once(handle, 'closed');
  const disconnected = once(env.gateway, 'disconnected');
  env.fake.restart();
  await handleClosed;
  await disconnected;
  assert.equal(env.gateway.connected, false);
  assert.equal(env.gateway.handleCount, 0);
  await assert.rejects(env.gateway.attach(), SfuClosedError);
  await once(env.gateway, 'connected');
  assert.equal(env.fake.sent('create').length, 2, 'a new session after the restart');
});

test('janus gateway - reconnect delays double up to the maximum', { timeout: 10_000 }, async () => {
  const fake = await FakeJanus.start();
  const url = fake.url;
  await fake.close();
  const attempts: number[] = [];
  const gateway = new JanusGateway({
    url,
    timeoutMs: 500,
    logger: silentLogger,
    timings: FAST,
    open: () => {
      attempts.push(Date.now());
      return Promise.reject(new Error('refused'));
    },
  });
  gateway.start();
  while (attempts.length < 6) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await gateway.close();
  const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] as number));
  // 20, 40, 80, 80, 80 ms (timers may fire a little late, never early).
  const expected = [20, 40, 80, 80, 80];
  gaps.forEach((gap, i) => {
    assert.ok(gap >= (expected[i] as number) - 2, `gap ${i} was ${gap} ms`);
    assert.ok(gap < (expected[i] as number) + 60, `gap ${i} was ${gap} ms`);
  });
});

test('janus gateway - a keepalive for a lost session starts over with a new session', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  env.gateway.start();
  await once(env.gateway, 'connected');
  env.fake.respond = (r) =>
    r.janus === 'keepalive'
      ? [{ janus: 'error', transaction: r.transaction, error: { code: 458, reason: 'gone' } }]
      : undefined;
  await once(env.gateway, 'disconnected');
  env.fake.respond = undefined;
  await once(env.gateway, 'connected');
  assert.equal(env.fake.sent('create').length, 2);
});

test('janus gateway - an unanswered keepalive counts as a dead connection', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  env.gateway.start();
  await once(env.gateway, 'connected');
  env.fake.respond = (r) => (r.janus === 'keepalive' ? 'drop' : undefined);
  await once(env.gateway, 'disconnected');
  env.fake.respond = undefined;
  await once(env.gateway, 'connected');
});

test('janus gateway - events are routed to their handle; detached closes it', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  env.gateway.start();
  await once(env.gateway, 'connected');
  const a = await env.gateway.attach();
  const b = await env.gateway.attach();
  const seen: string[] = [];
  a.on('event', (f) => seen.push(`a:${f.janus}`));
  b.on('event', (f) => seen.push(`b:${f.janus}`));
  env.fake.event(b.id, { janus: 'webrtcup' });
  env.fake.event(a.id, { janus: 'detached' });
  await once(a, 'closed');
  assert.deepEqual(seen, ['b:webrtcup', 'a:detached']);
  assert.equal(env.gateway.handleCount, 1);
});
