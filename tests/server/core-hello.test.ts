import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { DevBackend, type DevBackendOptions } from '@spreed-ts/devbackend';
import { signJwt } from '@spreed-ts/protocol';
import { type SignalingFixture, startSignaling, type TestClient } from '@spreed-ts/testkit';

interface Env extends AsyncDisposable {
  dev: DevBackend;
  sig: SignalingFixture;
  client: TestClient;
  /** Sends a hello and returns the reply (hello or error). */
  hello(
    version: '1.0' | '2.0',
    params: Record<string, unknown>,
    url?: string,
  ): Promise<{ type: string; code?: string; body: Record<string, unknown> }>;
}

async function startEnv(
  devOptions: DevBackendOptions = {},
  backend: { secret?: string; extra?: string } = {},
): Promise<Env> {
  const dev = new DevBackend(devOptions);
  await dev.start();
  const sig = await startSignaling({
    backends: [{ url: dev.url, secret: backend.secret ?? dev.secret, extra: backend.extra ?? '' }],
  });
  const client = await sig.connect();
  return {
    dev,
    sig,
    client,
    async hello(
      version,
      params,
      url = `${dev.url}ocs/v2.php/apps/spreed/api/v3/signaling/backend`,
    ) {
      client.send({ type: 'hello', hello: { version, auth: { url, params } } });
      const reply = await client.next((f) => f.type === 'hello' || f.type === 'error');
      const error = reply.error as { code: string } | undefined;
      return {
        type: reply.type,
        ...(error ? { code: error.code } : {}),
        body: (reply.hello ?? reply.error) as Record<string, unknown>,
      };
    },
    async [Symbol.asyncDispose]() {
      await client.close();
      await sig.close();
      await dev.close();
    },
  };
}

test('hello v1 - Talk checks the ticket; users get their id, guests none', {
  timeout: 15_000,
}, async () => {
  await using env = await startEnv();
  env.dev.addUser('alice', { displayName: 'Alice' });
  const ticket = env.dev.ticketFor('alice');
  const user = await env.hello('1.0', { userid: 'alice', ticket });
  assert.equal(user.type, 'hello');
  assert.equal(user.body.userid, 'alice');
  // The server asked Talk with a correct checksum and the v3 path (Talk lists signaling-v3).
  const request = await env.dev.waitForBackendRequest((r) => r.type === 'auth', 2000);
  assert.equal(request.checksumValid, true);
  assert.deepEqual((request.body as { auth: { params: unknown } }).auth.params, {
    userid: 'alice',
    ticket,
  });
  const second = await env.sig.connect();
  second.send({
    type: 'hello',
    hello: {
      version: '1.0',
      auth: { url: env.dev.url, params: { ticket: env.dev.ticketFor(null) } },
    },
  });
  const guest = await second.next('hello');
  assert.equal((guest.hello as { userid: string }).userid, '');
  await second.close();
});

test('hello v1 - Talk errors are passed through; a broken or unreachable backend is internal_error', {
  timeout: 20_000,
}, async () => {
  await using env = await startEnv();
  env.dev.addUser('alice');
  const bad = await env.hello('1.0', { userid: 'alice', ticket: 'forged:ticket' });
  assert.equal(bad.type, 'error');
  assert.equal(bad.code, 'invalid_ticket');

  env.dev.injectFault(
    { kind: 'status', status: 500, body: '<h1>Internal Server Error</h1>' },
    { type: 'auth', times: 1 },
  );
  const http500 = await env.hello('1.0', { userid: 'alice', ticket: env.dev.ticketFor('alice') });
  assert.equal(http500.code, 'internal_error');
  env.dev.injectFault({ kind: 'garbage' }, { type: 'auth', times: 1 });
  const garbage = await env.hello('1.0', { userid: 'alice', ticket: env.dev.ticketFor('alice') });
  assert.equal(garbage.code, 'internal_error');
  // The connection is still usable after all of that.
  const ok = await env.hello('1.0', { userid: 'alice', ticket: env.dev.ticketFor('alice') });
  assert.equal(ok.type, 'hello');

  const url = env.dev.url;
  await env.dev.close();
  const client = await env.sig.connect();
  client.send({ type: 'hello', hello: { version: '1.0', auth: { url, params: { ticket: 'x' } } } });
  const unreachable = await client.next('error');
  assert.equal((unreachable.error as { code: string }).code, 'internal_error');
  await client.close();
});

test('hello v1 - a server with the wrong shared secret is refused by Talk (forged checksum)', {
  timeout: 15_000,
}, async () => {
  await using env = await startEnv({}, { secret: 'not-the-secret' });
  env.dev.addUser('alice');
  const reply = await env.hello('1.0', { userid: 'alice', ticket: env.dev.ticketFor('alice') });
  assert.equal(reply.code, 'invalid_request');
  const request = await env.dev.waitForBackendRequest((r) => r.type === 'auth', 2000);
  assert.equal(request.checksumValid, false);
});

test('hello - only configured backends are accepted', { timeout: 15_000 }, async () => {
  await using env = await startEnv();
  const reply = await env.hello(
    '2.0',
    { token: env.dev.helloV2Token(null) },
    'https://evil.example/nc/',
  );
  assert.equal(reply.code, 'invalid_backend');
});

for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) {
  test(`hello v2 - ${alg} token verified with the key from Talk's capabilities`, {
    timeout: 15_000,
  }, async () => {
    await using env = await startEnv({ jwtAlgorithm: alg });
    env.dev.addUser('bob', { displayName: 'Bob' });
    const reply = await env.hello('2.0', { token: env.dev.helloV2Token('bob') });
    assert.equal(reply.type, 'hello');
    assert.equal(reply.body.userid, 'bob');
    assert.equal(reply.body.version, '2.0');
    // No backend auth request for v2: the token says everything.
    assert.equal(env.dev.backendRequests.filter((r) => r.type === 'auth').length, 0);
  });
}

test('hello v2 - expired, not yet valid, missing iat, wrongly signed and malformed tokens', {
  timeout: 20_000,
}, async () => {
  await using env = await startEnv();
  const now = Math.floor(Date.now() / 1000);
  const expired = await env.hello('2.0', {
    token: env.dev.helloV2Token(null, { iat: now - 300, exp: now - 120 }),
  });
  assert.equal(expired.code, 'token_expired');
  const future = await env.hello('2.0', {
    token: env.dev.helloV2Token(null, { iat: now + 300, exp: now + 360 }),
  });
  assert.equal(future.code, 'token_not_valid_yet');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const foreign = signJwt({ iss: env.dev.url, iat: now, exp: now + 60 }, privateKey, 'ES256');
  assert.equal((await env.hello('2.0', { token: foreign })).code, 'invalid_token');
  const noIat = signJwt({ iss: env.dev.url, exp: now + 60 }, privateKey, 'ES256');
  // Wrongly signed AND without iat: the signature is checked first.
  assert.equal((await env.hello('2.0', { token: noIat })).code, 'invalid_token');
  assert.equal((await env.hello('2.0', { token: 'not.a.jwt' })).code, 'invalid_token');
  const missing = await env.hello('2.0', {});
  assert.equal(missing.code, 'invalid_format');
  // Still usable afterwards.
  assert.equal((await env.hello('2.0', { token: env.dev.helloV2Token(null) })).type, 'hello');
});

test('hello - the per-backend session limit is enforced; internal clients do not count', {
  timeout: 15_000,
}, async () => {
  await using env = await startEnv({}, { extra: 'sessionlimit = 1' });
  assert.equal((await env.hello('2.0', { token: env.dev.helloV2Token(null) })).type, 'hello');
  const second = await env.sig.connect();
  second.send({
    type: 'hello',
    hello: {
      version: '2.0',
      auth: { url: env.dev.url, params: { token: env.dev.helloV2Token(null) } },
    },
  });
  const refused = await second.next('error');
  assert.deepEqual(refused.error, {
    code: 'session_limit_exceeded',
    message: 'Too many sessions connected for this backend.',
  });
  second.send(env.sig.internalHello(env.dev.url));
  assert.equal((await second.next()).type, 'hello');
  // When the first session says bye, a new one fits again.
  env.client.send({ type: 'bye', bye: {} });
  await env.client.closed;
  const third = await env.sig.connect();
  third.send({
    type: 'hello',
    hello: {
      version: '2.0',
      auth: { url: env.dev.url, params: { token: env.dev.helloV2Token(null) } },
    },
  });
  assert.equal((await third.next((f) => f.type === 'hello' || f.type === 'error')).type, 'hello');
  await third.close();
  await second.close();
});
