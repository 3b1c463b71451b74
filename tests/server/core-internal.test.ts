import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSignaling } from '@spreed-ts/testkit';

const backendUrl = 'http://127.0.0.1:1/nextcloud/';
const fast = {
  helloTimeoutMs: 5000,
  anonymousJoinTimeoutMs: 5000,
  sessionExpiryMs: 400,
  housekeepingMs: 50,
};

test('internal hello - valid HMAC gets a session with the internal feature list', {
  timeout: 10_000,
}, async () => {
  await using sig = await startSignaling({ backends: [{ url: backendUrl, secret: 'b' }] });
  const client = await sig.connect();
  const id = client.send(sig.internalHello(backendUrl));
  const hello = await client.next('hello');
  assert.equal(hello.id, id);
  const body = hello.hello as Record<string, unknown>;
  assert.equal(body.version, '1.0');
  assert.equal(body.userid, '');
  assert.match(String(body.sessionid), /^[A-Za-z0-9_-]{20,}$/);
  assert.match(String(body.resumeid), /^[A-Za-z0-9_-]{20,}$/);
  assert.notEqual(body.sessionid, body.resumeid);
  const features = (body.server as { features: string[] }).features;
  assert.ok(features.includes('virtual-sessions'));
  assert.ok(!features.includes('audio-video-permissions'));
  await client.close();
});

test('internal hello - wrong token, short random, unknown backend, no secret', {
  timeout: 10_000,
}, async () => {
  await using sig = await startSignaling({ backends: [{ url: backendUrl, secret: 'b' }] });
  const client = await sig.connect();
  const codeOf = async (hello: Record<string, unknown>) => {
    client.send(hello);
    const reply = await client.next();
    return (reply.error as { code: string } | undefined)?.code ?? reply.type;
  };
  const good = sig.internalHello(backendUrl) as {
    hello: { auth: { params: Record<string, string> } };
  };
  const params = good.hello.auth.params;
  assert.equal(
    await codeOf({
      type: 'hello',
      hello: {
        version: '1.0',
        auth: { type: 'internal', params: { ...params, token: 'ab'.repeat(32) } },
      },
    }),
    'invalid_token',
  );
  assert.equal(
    await codeOf({
      type: 'hello',
      hello: { version: '1.0', auth: { type: 'internal', params: { ...params, random: 'short' } } },
    }),
    'invalid_token',
  );
  assert.equal(await codeOf(sig.internalHello('http://127.0.0.1:2/other/')), 'invalid_backend');
  assert.equal(
    await codeOf({ type: 'hello', hello: { version: '1.0', auth: { type: 'other', params: {} } } }),
    'invalid_format',
  );
  // After all these failures the connection is still there and a correct hello works.
  assert.equal(await codeOf(sig.internalHello(backendUrl)), 'hello');
  await client.close();
});

test('resume - a dropped connection resumes within the window, replaying the session; bye ends it', {
  timeout: 10_000,
}, async () => {
  await using sig = await startSignaling({
    backends: [{ url: backendUrl, secret: 'b' }],
    timings: fast,
  });
  const first = await sig.connect();
  first.send(sig.internalHello(backendUrl));
  const hello = (await first.next('hello')).hello as { sessionid: string; resumeid: string };
  first.socket.terminate();
  await first.closed;

  const second = await sig.connect();
  const id = second.send({ type: 'hello', hello: { version: '2.0', resumeid: hello.resumeid } });
  const resumed = await second.next('hello');
  assert.equal(resumed.id, id);
  const body = resumed.hello as { sessionid: string; resumeid: string; version: string };
  assert.equal(body.sessionid, hello.sessionid);
  assert.equal(body.resumeid, hello.resumeid);
  assert.equal(body.version, '2.0');

  // Resuming from a third connection while the second is alive moves the session and says goodbye.
  const third = await sig.connect();
  third.send({ type: 'hello', hello: { version: '1.0', resumeid: hello.resumeid } });
  await third.next('hello');
  assert.deepEqual(await second.next('bye'), { type: 'bye', bye: { reason: 'session_resumed' } });
  await second.closed;

  const byeId = third.send({ type: 'bye', bye: {} });
  assert.deepEqual(await third.next('bye'), { id: byeId, type: 'bye' });
  await third.closed;

  const fourth = await sig.connect();
  fourth.send({ type: 'hello', hello: { version: '1.0', resumeid: hello.resumeid } });
  const gone = await fourth.next('error');
  assert.equal((gone.error as { code: string }).code, 'no_such_session');
  await fourth.close();
});

test("resume - expired sessions, forged ids and another session's public id are refused", {
  timeout: 10_000,
}, async () => {
  await using sig = await startSignaling({
    backends: [{ url: backendUrl, secret: 'b' }],
    timings: fast,
  });
  const first = await sig.connect();
  first.send(sig.internalHello(backendUrl));
  const hello = (await first.next('hello')).hello as { sessionid: string; resumeid: string };
  first.socket.terminate();
  await first.closed;
  const client = await sig.connect();
  // The public id is not a resume id.
  client.send({ type: 'hello', hello: { version: '1.0', resumeid: hello.sessionid } });
  assert.equal(((await client.next('error')).error as { code: string }).code, 'no_such_session');
  client.send({ type: 'hello', hello: { version: '1.0', resumeid: 'forged-id' } });
  assert.equal(((await client.next('error')).error as { code: string }).code, 'no_such_session');
  // After the expiry window the real resume id is dead too.
  await new Promise((r) => setTimeout(r, 700));
  client.send({ type: 'hello', hello: { version: '1.0', resumeid: hello.resumeid } });
  assert.equal(((await client.next('error')).error as { code: string }).code, 'no_such_session');
  await client.close();
});
