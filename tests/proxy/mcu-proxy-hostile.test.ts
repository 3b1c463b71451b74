import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  insideTestNetns,
  runInTestNetns,
  startJanus,
  TestClient,
  waitUntil,
} from '@spreed-ts/testkit';
import { type FakeProxy, helloAnswer, startFakeProxy } from './helpers/fake-proxy.js';
import { startProxy } from './helpers/go-proxy.js';
import { logLines, rsaKeyPair, startProxyEnv, TOKEN_ID } from './helpers/proxy-env.js';

const commandType = (f: Record<string, unknown>) =>
  f.type === 'command' ? (f.command as { type?: string; clientId?: string }) : undefined;

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('mcu proxy - a proxy with another key, a garbage proxy and a slow proxy: clear errors, retries, no crash', {
    timeout: 60_000,
  }, async () => {
    // A real Go proxy (it waits for its Janus before it listens) that knows another public key for
    // our token id: it refuses our hello.
    await using janus = await startJanus();
    await using wrongKey = await startProxy({
      janusUrl: janus.url,
      tokens: { [TOKEN_ID]: rsaKeyPair().publicKey },
    });
    // A "proxy" that answers with garbage and never with a hello.
    await using garbage = await startFakeProxy((frame, send, socket) => {
      send({ id: frame.id, type: 'hello' });
      socket.send('{"type": "event", "event": {"type": 42}}');
      socket.send(Buffer.from([0, 1, 2]));
    });
    garbage.onConnect = (socket) => socket.send('this is not json');
    // A proxy that is fine but slower than proxytimeout (1 s) to create publishers.
    let lateId = '';
    await using slow = await startFakeProxy((frame, send) => {
      if (frame.type === 'hello') {
        send(helloAnswer(frame, 'slow-session'));
        send({ type: 'event', event: { type: 'update-load' } });
        return;
      }
      const command = commandType(frame);
      if (command?.type === 'create-publisher') {
        lateId = `late-${String(frame.id)}`;
        setTimeout(() => send({ id: frame.id, type: 'command', command: { id: lateId } }), 1_500);
      } else if (command !== undefined) {
        send({ id: frame.id, type: 'command', command: { id: command.clientId } });
      }
    });

    await using env = await startProxyEnv({
      proxies: 0,
      extraUrls: [wrongKey.url, garbage.url, slow.url],
      proxyTimeoutSeconds: 1,
    });
    await env.proxiesConnected(1);
    await env.sfuConnected(true);

    // Each failure is logged with the proxy's URL and retried with a growing pause.
    await waitUntil(
      () =>
        logLines(env, 'proxy refused our hello', wrongKey.url, 'code=auth_failed').length >= 2 &&
        garbage.connections >= 2,
      10_000,
      'retries of the refusing and the garbage proxy',
    );
    assert.ok(logLines(env, 'invalid frame from proxy dropped', garbage.url).length >= 1);
    assert.ok(logLines(env, 'proxy did not answer hello in time', garbage.url).length >= 1);
    const hellos = (fake: FakeProxy) =>
      fake.received.filter((r) => r.frame.type === 'hello').length;
    assert.ok(hellos(garbage) <= 4, `backoff: ${hellos(garbage)} hellos in a few seconds`);

    // Publishing goes to the slow proxy (the only one up): the client gets upstream's error after
    // proxytimeout, and what the proxy created too late is deleted again.
    env.dev.addUser('alice');
    env.dev.createRoom({ token: 'hostile', owner: 'alice' });
    const alice = await env.peer('hostile', 'alice');
    const started = Date.now();
    const id = await alice.offerOnly('video');
    assert.deepEqual((await alice.error(id, 10_000)).error, {
      code: 'client_not_found',
      message: 'No MCU client found to send message to.',
    });
    assert.ok(Date.now() - started >= 900, 'the error came after proxytimeout');
    await waitUntil(
      () =>
        lateId !== '' &&
        slow.received.some(
          (r) =>
            commandType(r.frame)?.type === 'delete-publisher' &&
            commandType(r.frame)?.clientId === lateId,
        ),
      5_000,
      'late publisher deleted',
    );
    const metrics = env.sig.server.metrics.registry.render();
    assert.match(metrics, /signaling_mcu_no_backend_available_total\{type="video"\} 1/);

    // The server is fine: new clients are welcomed.
    const client = await TestClient.connect(env.sig.wsUrl);
    await client.next('welcome');
    await client.close();
  });

  test('mcu proxy - a lost connection resumes the session; a refused resume registers a new one', {
    timeout: 30_000,
  }, async () => {
    let sessions = 0;
    await using fake = await startFakeProxy((frame, send, socket, conn) => {
      if (frame.type !== 'hello') {
        return;
      }
      const hello = frame.hello as { resumeid?: string; token?: string };
      if (hello.resumeid !== undefined && hello.resumeid !== '') {
        if (conn === 2) {
          // The first reconnect resumes the session.
          send(helloAnswer(frame, hello.resumeid));
          setTimeout(() => socket.terminate(), 200);
          return;
        }
        send({
          id: frame.id,
          type: 'error',
          error: { code: 'no_such_session', message: 'The session to resume does not exist.' },
        });
        return;
      }
      sessions++;
      send(helloAnswer(frame, `session-${sessions}`));
      if (conn === 1) {
        setTimeout(() => socket.terminate(), 200);
      }
    });
    await using env = await startProxyEnv({ proxies: 0, extraUrls: [fake.url] });
    await waitUntil(() => fake.connections >= 3 && sessions === 2, 15_000, 'new session');
    await env.sfuConnected(true);
    const hellos = fake.received
      .filter((r) => r.frame.type === 'hello')
      .map((r) => {
        const hello = r.frame.hello as { resumeid?: string; token?: string };
        return { conn: r.conn, resume: hello.resumeid ?? '', token: hello.token !== undefined };
      });
    assert.deepEqual(hellos, [
      { conn: 1, resume: '', token: true },
      { conn: 2, resume: 'session-1', token: false },
      { conn: 3, resume: 'session-1', token: false },
      { conn: 3, resume: '', token: true },
    ]);
    // The token is upstream's: RS256 with iss = token id and iat.
    const token = (fake.received[0]?.frame.hello as { token?: string } | undefined)?.token ?? '';
    const [header, claims] = token.split('.').map((part) => {
      try {
        return JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
      } catch {
        return {};
      }
    }) as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(header.alg, 'RS256');
    assert.deepEqual(Object.keys(claims).sort(), ['iat', 'iss']);
    assert.equal(claims.iss, TOKEN_ID);
    assert.ok(logLines(env, 'resumed proxy session', fake.url).length === 1);
    assert.ok(logLines(env, 'could not be resumed', fake.url).length === 1);
  });
}
