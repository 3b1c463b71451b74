import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { validateChecksum } from '@spreed-ts/protocol';
import { startReceiver } from '../fixtures/http-fixtures.js';
import { NotifierError, SignalingNotifier } from './notifier.js';

const T = { timeout: 15_000 };

function notifier(url: string | undefined): SignalingNotifier {
  const n = new SignalingNotifier({
    secret: () => 'shared',
    backendUrl: () => 'http://127.0.0.1:1234/',
    timeoutMs: 2000,
  });
  n.signalingUrl = url;
  return n;
}

test(
  'notifier - posts to /api/v1/room/{token} with Talk headers and a valid checksum',
  T,
  async () => {
    await using receiver = await startReceiver();
    const body = {
      type: 'message',
      message: { data: { type: 'chat', chat: { refresh: true } } },
    } as const;
    const record = await notifier(receiver.url).send('abc123', body);
    assert.ok(record);
    const got = receiver.requests[0];
    assert.ok(got);
    assert.equal(got.method, 'POST');
    assert.equal(got.path, '/api/v1/room/abc123');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['spreed-signaling-backend'], 'http://127.0.0.1:1234/');
    const random = String(got.headers['spreed-signaling-random']);
    assert.equal(random.length, 64);
    assert.equal(
      validateChecksum(
        random,
        got.body,
        'shared',
        String(got.headers['spreed-signaling-checksum']),
      ),
      true,
    );
    assert.deepEqual(JSON.parse(got.body), body);
    assert.equal(record.status, 200);
  },
);

test('notifier - ws:// URLs are rewritten to http:// and trailing slashes dropped', () => {
  assert.equal(
    notifier('ws://h:1/standalone//').urlFor('t'),
    'http://h:1/standalone/api/v1/room/t',
  );
  assert.equal(notifier('wss://h/').urlFor('t'), 'https://h/api/v1/room/t');
  assert.equal(notifier(undefined).urlFor('t'), undefined);
});

test('notifier - without a signaling server nothing is sent', T, async () => {
  assert.equal(
    await notifier(undefined).send('t', { type: 'delete', delete: { userids: [] } }),
    undefined,
  );
});

test('notifier - missing required features make the request fail like Talk', T, async () => {
  await using receiver = await startReceiver(() => ({ features: ['hello-v2', 'switchto'] }));
  await assert.rejects(
    notifier(receiver.url).send('t', { type: 'delete', delete: { userids: [] } }),
    (error: unknown) => error instanceof NotifierError && error.kind === 'incompatible',
  );
});

test('notifier - 5xx is retried three times, then returned', T, async () => {
  await using receiver = await startReceiver(() => ({ status: 502 }));
  const record = await notifier(receiver.url).send('t', {
    type: 'delete',
    delete: { userids: [] },
  });
  assert.equal(receiver.requests.length, 3);
  assert.equal(record?.status, 502);
  assert.match(record?.error ?? '', /502/);
});

test('notifier - 4xx is an error without retry', T, async () => {
  await using receiver = await startReceiver(() => ({ status: 403 }));
  await assert.rejects(
    notifier(receiver.url).send('t', { type: 'delete', delete: { userids: [] } }),
    (error: unknown) => error instanceof NotifierError && error.kind === 'http',
  );
  assert.equal(receiver.requests.length, 1);
});

test('notifier - connection errors fail after the retries', T, async () => {
  // Find a port nobody listens on.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await assert.rejects(
    notifier(`http://127.0.0.1:${port}`).send('t', { type: 'delete', delete: { userids: [] } }),
    (error: unknown) => error instanceof NotifierError && error.kind === 'connect',
  );
});
