import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevBackend } from '@spreed-ts/devbackend';
import { startSignaling } from '@spreed-ts/testkit';
import { internalClient, request, sample, scrape } from './helpers/ops-env.js';

test('metrics - /metrics serves upstream metrics and process metrics in the text format', {
  timeout: 20_000,
}, async () => {
  await using sig = await startSignaling({
    backends: [{ url: 'https://cloud.invalid/', secret: 's', extra: 'sessionlimit = 10' }],
  });
  const reply = await request(`${sig.httpUrl}metrics`);
  assert.equal(reply.status, 200);
  assert.equal(reply.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const welcome = await request(`${sig.httpUrl}api/v1/welcome`);
  assert.equal(reply.headers.get('server'), welcome.headers.get('server'));
  assert.ok(reply.headers.get('x-spreed-signaling-features'));
  const text = reply.text;
  assert.equal(sample(text, 'signaling_backend_current'), 1);
  assert.equal(sample(text, 'signaling_backend_session_limit', { backend: 'backend-1' }), 10);
  assert.equal(sample(text, 'signaling_hub_sessions_resume_failed_total'), 0);
  assert.match(text, /^# TYPE signaling_client_rtt histogram$/m);
  assert.match(text, /^# TYPE process_cpu_seconds_total counter$/m);
  assert.match(text, /^# TYPE nodejs_heap_size_used_bytes gauge$/m);
  // Every line is a comment or `name{labels} value`.
  for (const line of text.trimEnd().split('\n')) {
    assert.match(line, /^(# (HELP|TYPE) \S+ .*|[a-zA-Z_:][\w:]*(\{.*\})? \S+)$/, line);
  }
  assert.equal((await request(`${sig.httpUrl}metrics`, { method: 'POST' })).status, 405);
});

test('metrics - sessions, messages, traffic and resume failures are counted', {
  timeout: 20_000,
}, async () => {
  const backendUrl = 'https://cloud.invalid/';
  await using sig = await startSignaling({ backends: [{ url: backendUrl, secret: 's' }] });
  const labels = { backend: 'backend-1', clienttype: 'internal' };
  const first = await internalClient(sig, backendUrl);
  const second = await internalClient(sig, backendUrl);
  let text = await scrape(sig);
  assert.equal(sample(text, 'signaling_hub_sessions', labels), 2);
  assert.equal(sample(text, 'signaling_hub_sessions_total', labels), 2);
  assert.equal(sample(text, 'signaling_server_messages_total', { type: 'hello' }), 2);
  assert.equal(sample(text, 'signaling_client_messages_total', { direction: 'incoming' }), 2);
  // welcome + hello for each.
  assert.equal(sample(text, 'signaling_client_messages_total', { direction: 'outgoing' }), 4);
  assert.ok((sample(text, 'signaling_client_bytes_total', { direction: 'incoming' }) ?? 0) > 100);

  first.client.send({ type: 'bye', bye: {} });
  await first.client.next('bye');
  await first.client.closed;
  second.client.socket.terminate();
  const again = await sig.connect();
  again.send({ type: 'hello', hello: { version: '2.0', resumeid: second.resumeId } });
  assert.equal((await again.next()).type, 'hello');
  again.send({ type: 'hello', hello: { version: '2.0', resumeid: 'invented' } });
  const failed = await sig.connect();
  failed.send({ type: 'hello', hello: { version: '2.0', resumeid: 'invented' } });
  assert.equal(((await failed.next('error')).error as { code: string }).code, 'no_such_session');
  text = await scrape(sig);
  assert.equal(sample(text, 'signaling_hub_sessions', labels), 1);
  assert.equal(sample(text, 'signaling_hub_sessions_resume_total', labels), 1);
  assert.equal(sample(text, 'signaling_hub_sessions_resume_failed_total'), 1);
  assert.equal(sample(text, 'signaling_server_messages_total', { type: 'bye' }), 1);
  assert.equal(
    sample(text, 'signaling_throttle_delayed_total', { action: 'HelloResume', delay: '100' }),
    1,
  );
  await again.close();
  await failed.close();
});

test('metrics - requests to Nextcloud: count, duration, errors and the per-host gauge', {
  timeout: 20_000,
}, async () => {
  await using dev = new DevBackend();
  await dev.start();
  await using sig = await startSignaling({
    backends: [{ url: dev.url, secret: dev.secret, extra: 'sessionlimit = 1' }],
  });
  dev.addUser('alice');
  const hello = (userId: string) => ({
    type: 'hello',
    hello: {
      version: '1.0',
      auth: { url: dev.url, params: { userid: userId, ticket: dev.ticketFor(userId) } },
    },
  });
  const alice = await sig.connect();
  alice.send(hello('alice'));
  assert.equal((await alice.next()).type, 'hello');
  dev.injectFault({ kind: 'garbage' }, { type: 'auth', times: 1 });
  const broken = await sig.connect();
  broken.send(hello('alice'));
  assert.equal(((await broken.next('error')).error as { code: string }).code, 'internal_error');
  const limited = await sig.connect();
  limited.send(hello('alice'));
  assert.equal(
    ((await limited.next('error')).error as { code: string }).code,
    'session_limit_exceeded',
  );
  const text = await scrape(sig);
  const backend = { backend: 'backend-1' };
  assert.equal(sample(text, 'signaling_backend_client_requests_total', backend), 3);
  assert.equal(sample(text, 'signaling_backend_client_requests_duration_count', backend), 3);
  assert.equal(
    sample(text, 'signaling_backend_client_requests_errors_total', {
      backend: 'backend-1',
      error: 'invalid_content_type',
    }),
    1,
  );
  assert.equal(sample(text, 'signaling_backend_session_limit_exceeded_total', backend), 1);
  assert.equal(
    sample(text, 'signaling_http_client_pool_connections', { host: new URL(dev.url).host }),
    0,
  );
  await Promise.all([alice.close(), broken.close(), limited.close()]);
});

test('metrics - /metrics, /api/v1/stats and /api/v1/serverinfo only for [stats] allowed_ips', {
  timeout: 20_000,
}, async () => {
  await using sig = await startSignaling({
    backends: [{ url: 'https://cloud.invalid/', secret: 's' }],
    extraConfig: '[stats]\nallowed_ips = 192.0.2.1, 198.51.100.0/24',
  });
  for (const path of ['metrics', 'api/v1/stats', 'api/v1/serverinfo']) {
    const denied = await request(`${sig.httpUrl}${path}`);
    assert.equal(denied.status, 403, path);
    assert.equal(denied.text, 'Authentication check failed\n');
    assert.equal(denied.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(denied.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(denied.headers.get('server'));
    assert.ok(denied.headers.get('x-spreed-signaling-features'));
    // Loopback is a trusted proxy by default: the forwarded client address is what counts.
    for (const headers of [
      { 'X-Real-IP': '192.0.2.1' },
      { 'X-Forwarded-For': '198.51.100.20' },
      { 'X-Forwarded-For': '198.51.100.20, 10.0.0.1' },
    ]) {
      assert.equal((await request(`${sig.httpUrl}${path}`, { headers })).status, 200, path);
    }
    const spoofed = await request(`${sig.httpUrl}${path}`, {
      headers: { 'X-Forwarded-For': '198.51.100.20, 203.0.113.1' },
    });
    assert.equal(spoofed.status, 403);
  }
});

test('metrics - forwarded addresses are ignored unless the peer is a trusted proxy', {
  timeout: 20_000,
}, async () => {
  await using sig = await startSignaling({
    backends: [{ url: 'https://cloud.invalid/', secret: 's' }],
    extraConfig: '[app]\ntrustedproxies = 192.0.2.0/24\n[stats]\nallowed_ips = 198.51.100.7',
  });
  const reply = await request(`${sig.httpUrl}api/v1/stats`, {
    headers: { 'X-Real-IP': '198.51.100.7' },
  });
  assert.equal(reply.status, 403);
});
