import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSignaling, TestClient } from '@spreed-ts/testkit';

const fast = {
  helloTimeoutMs: 300,
  anonymousJoinTimeoutMs: 400,
  sessionExpiryMs: 400,
  housekeepingMs: 50,
};

test('connection - welcome comes first, with sorted features and the upgrade headers', {
  timeout: 10_000,
}, async () => {
  await using sig = await startSignaling();
  const client = await TestClient.connect(sig.wsUrl);
  const welcome = await client.next();
  assert.equal(welcome.type, 'welcome');
  assert.equal(welcome.id, undefined);
  const body = welcome.welcome as { version: string; features: string[] };
  assert.equal(typeof body.version, 'string');
  assert.deepEqual(body.features, [...body.features].sort());
  for (const f of [
    'welcome',
    'hello-v2',
    'transient-data',
    'virtual-sessions',
    'audio-video-permissions',
  ]) {
    assert.ok(body.features.includes(f), f);
  }
  // Without an SFU, MCU features are not advertised.
  assert.ok(!body.features.includes('mcu'));
  const header = String(client.upgradeHeaders['x-spreed-signaling-features']);
  assert.ok(header.split(', ').includes('hello-v2'));
  assert.ok(!header.split(', ').includes('virtual-sessions'));
  assert.match(String(client.upgradeHeaders.server), /^spreed-ts\//);
  await client.close();
});

test('connection - bad frames get invalid_format and the connection stays usable', {
  timeout: 10_000,
}, async () => {
  await using sig = await startSignaling();
  const client = await sig.connect();
  for (const raw of ['not json', '[1,2]', '"text"', '42', 'null', '{"type":""}']) {
    client.sendRaw(raw);
    const reply = await client.next('error');
    assert.equal((reply.error as { code: string }).code, 'invalid_format', raw);
    assert.equal(reply.id, undefined, raw);
  }
  client.sendRaw(Buffer.from([1, 2, 3]));
  const binary = await client.next('error');
  assert.equal((binary.error as { code: string }).code, 'invalid_format');
  // Structural errors echo the id.
  client.send({ id: 'h1', type: 'hello' });
  const missing = await client.next('error');
  assert.equal(missing.id, 'h1');
  assert.equal((missing.error as { code: string }).code, 'invalid_format');
  client.send({ id: 'h2', type: 'hello', hello: { version: '3.0' } });
  const version = await client.next('error');
  assert.deepEqual(version, {
    id: 'h2',
    type: 'error',
    error: { code: 'invalid_hello_version', message: 'The hello version is not supported.' },
  });
  assert.equal(client.isClosed, false);
  await client.close();
});

test('connection - anything but hello first gets hello_expected without closing', {
  timeout: 10_000,
}, async () => {
  await using sig = await startSignaling();
  const client = await sig.connect();
  for (const type of ['room', 'message', 'bye', 'whatever']) {
    client.send({
      id: `x-${type}`,
      type,
      [type]: type === 'message' ? { recipient: { type: 'room' }, data: {} } : {},
    });
    const reply = await client.next('error');
    assert.deepEqual(reply, {
      id: `x-${type}`,
      type: 'error',
      error: { code: 'hello_expected', message: 'Expected Hello request.' },
    });
  }
  assert.equal(client.isClosed, false);
  await client.close();
});

test('connection - no hello within the timeout ends with bye hello_timeout', {
  timeout: 10_000,
}, async () => {
  await using sig = await startSignaling({ timings: fast });
  const client = await sig.connect();
  const bye = await client.next('bye', 3000);
  assert.deepEqual(bye, { type: 'bye', bye: { reason: 'hello_timeout' } });
  assert.equal(await client.closed, 1000);
});

test('connection - frames over 64 KiB close the connection with 1009; others are unaffected', {
  timeout: 10_000,
}, async () => {
  await using sig = await startSignaling();
  const bystander = await sig.connect();
  bystander.send(sig.internalHello('http://127.0.0.1:1/'));
  const client = await sig.connect();
  client.sendRaw(JSON.stringify({ type: 'hello', padding: 'x'.repeat(70 * 1024) }));
  assert.equal(await client.closed, 1009);
  // The other connection still works (its hello fails only because no backend is configured).
  const reply = await bystander.next();
  assert.equal(reply.type, 'error');
  assert.equal((reply.error as { code: string }).code, 'invalid_backend');
  await bystander.close();
});

test('http - /api/v1/welcome answers version and features headers; unknown paths are 404', {
  timeout: 10_000,
}, async () => {
  await using sig = await startSignaling();
  const res = await fetch(`${sig.httpUrl}api/v1/welcome`);
  assert.equal(res.status, 200);
  assert.match(String(res.headers.get('content-type')), /^application\/json/);
  const features = String(res.headers.get('x-spreed-signaling-features')).split(', ');
  for (const required of [
    'audio-video-permissions',
    'federation',
    'incall-all',
    'hello-v2',
    'switchto',
  ]) {
    assert.ok(features.includes(required), required);
  }
  assert.ok(res.headers.get('date'));
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body['nextcloud-spreed-signaling'], 'Welcome');
  assert.equal(typeof body.version, 'string');
  assert.equal((await fetch(`${sig.httpUrl}api/v1/welcome`, { method: 'POST' })).status, 405);
  assert.equal((await fetch(`${sig.httpUrl}nothing`)).status, 404);
});
