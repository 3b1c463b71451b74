import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  eventually,
  type Frame,
  insideTestNetns,
  type JanusFixture,
  runInTestNetns,
  startJanus,
  TestClient,
} from '@spreed-ts/testkit';
import { wrtc } from '../sfu/helpers/audio.js';
import { exitOf, type OurProxy, signRs256, startOurProxy } from './helpers/our-proxy.js';

const INVALID_FORMAT = { code: 'invalid_format', message: 'Invalid data format.' };
const AUTH_FAILED = { code: 'auth_failed', message: 'The token could not be authenticated.' };
const EXPIRED = { code: 'token_expired', message: 'The token is expired.' };
const UNKNOWN_CLIENT = { code: 'unknown_client', message: 'Unknown client id given.' };
const UNSUPPORTED_MESSAGE = { code: 'bad_request', message: 'Unsupported message received.' };

/** An SDP offer with one audio m-line, as a browser would send it. */
async function audioOffer(): Promise<string> {
  const { RTCPeerConnection } = wrtc();
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.addTransceiver('audio', { direction: 'sendonly' });
  const offer = await pc.createOffer();
  pc.close();
  return offer.sdp as string;
}

/** Sends `message` and returns the answer with its id. */
async function request(client: TestClient, message: Record<string, unknown>): Promise<Frame> {
  const id = client.send(message);
  return client.next((f) => f.id === id);
}

/** Sends a hello with `token` and returns the answer. */
function helloWith(client: TestClient, token: string): Promise<Frame> {
  return request(client, { type: 'hello', hello: { version: '1.0', token } });
}

function httpGet(url: string, localAddress?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, localAddress === undefined ? {} : { localAddress }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

// Janus runs in the test network namespace (see packages/testkit/src/netns.ts); so does this file.
if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  let janus: JanusFixture;
  let proxy: OurProxy;
  const clients: TestClient[] = [];
  const connect = async () => {
    const client = await TestClient.connect(proxy.wsUrl, { timeoutMs: 5_000 });
    clients.push(client);
    return client;
  };

  before(async () => {
    janus = await startJanus();
    proxy = await startOurProxy({ janusUrl: janus.url, mcuTimeoutSeconds: 2 });
    await eventually(async () => {
      const stats = JSON.parse((await httpGet(`${proxy.url}stats`)).body) as {
        mcu: { connected: boolean };
      };
      return stats.mcu.connected;
    }, 'proxy connected to Janus');
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await proxy?.[Symbol.asyncDispose]();
    await janus?.stop();
  });

  test('proxy server protocol - hello errors as upstream answers them', async () => {
    const client = await connect();
    const now = Math.floor(Date.now() / 1000);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const cases: Array<[string, Record<string, unknown>, unknown]> = [
      ['wrong version', { version: '2.0', token: proxy.token() }, INVALID_FORMAT],
      ['no token', { version: '1.0' }, INVALID_FORMAT],
      ['unknown issuer', { version: '1.0', token: proxy.token({ iss: 'nobody' }) }, AUTH_FAILED],
      ['wrong key', { version: '1.0', token: proxy.token({}, other) }, AUTH_FAILED],
      ['garbage token', { version: '1.0', token: 'a.b.c' }, AUTH_FAILED],
      ['iat an hour ago', { version: '1.0', token: proxy.token({ iat: now - 3600 }) }, EXPIRED],
      [
        'no iat',
        { version: '1.0', token: signRs256({ iss: proxy.tokenId }, proxy.privateKey) },
        EXPIRED,
      ],
      [
        // Go 0.4.1 answered auth_failed here; current upstream (jwt v5) says not valid yet.
        'iat an hour ahead',
        { version: '1.0', token: proxy.token({ iat: now + 3600 }) },
        { code: 'token_not_valid_yet', message: 'The token is not valid yet.' },
      ],
      ['expired', { version: '1.0', token: proxy.token({ exp: now - 3600 }) }, EXPIRED],
      [
        'unknown resume id',
        { version: '1.0', resumeid: 'does-not-exist' },
        { code: 'no_such_session', message: 'The session to resume does not exist.' },
      ],
    ];
    for (const [what, hello, error] of cases) {
      const reply = await request(client, { type: 'hello', hello });
      assert.equal(reply.type, 'error', what);
      assert.deepEqual(reply.error, error, what);
    }
    const before = await request(client, {
      type: 'command',
      command: { type: 'create-publisher', streamType: 'video' },
    });
    assert.deepEqual(before.error, { code: 'hello_expected', message: 'Expected Hello request.' });
    client.sendRaw('this is not json');
    assert.deepEqual(await client.next(), { type: 'error', error: INVALID_FORMAT });
    // Token errors are counted by reason.
    const metrics = (await httpGet(`${proxy.url}metrics`)).body;
    assert.match(metrics, /signaling_proxy_token_errors_total\{reason="unsupported-issuer"\} 1/);
    assert.match(metrics, /signaling_proxy_token_errors_total\{reason="expired"\} 3/);
  });

  test('proxy server protocol - session: load event, commands, payloads, deletes', async () => {
    const client = await connect();
    const hello = await helloWith(client, proxy.token());
    assert.equal(hello.type, 'hello');
    const body = hello.hello as { version: string; sessionid: string; server: { version: string } };
    assert.equal(body.version, '1.0');
    assert.ok(body.sessionid.length > 20);
    assert.match(body.server.version, /^\d+\.\d+\.\d+$/);
    // The hello answer is followed at once by the current load (0 omitted).
    assert.deepEqual(await client.next(), { type: 'event', event: { type: 'update-load' } });

    const again = await helloWith(client, proxy.token());
    assert.deepEqual(again.error, UNSUPPORTED_MESSAGE);
    assert.deepEqual((await request(client, { type: 'whatever' })).error, UNSUPPORTED_MESSAGE);
    assert.deepEqual(
      (await request(client, { type: 'command', command: { type: 'frobnicate' } })).error,
      { code: 'bad_request', message: 'Unsupported command received.' },
    );
    assert.deepEqual((await request(client, { type: 'command' })).error, INVALID_FORMAT);
    assert.deepEqual(
      (await request(client, { type: 'command', command: { type: 'create-publisher' } })).error,
      INVALID_FORMAT,
    );

    // 0.4.1's create-publisher: bitrate and mediatypes; the answer carries the applied bitrate.
    const created = await request(client, {
      type: 'command',
      command: { type: 'create-publisher', streamType: 'video', bitrate: 123456, mediatypes: 1 },
    });
    assert.equal(created.type, 'command', JSON.stringify(created));
    const publisherId = (created.command as { id: string }).id;
    assert.match(publisherId, /^[0-9a-f-]{36}$/);
    assert.equal((created.command as { bitrate: number }).bitrate, 123456);
    const load1 = await client.next('event', 3_000);
    assert.deepEqual(load1.event, {
      type: 'update-load',
      load: 1,
      bandwidth: { received: 123456 },
    });

    // An offer is answered with the same id, payload type "offer" and an inner answer.
    const sdp = await audioOffer();
    const answered = await request(client, {
      type: 'payload',
      payload: { type: 'offer', clientId: publisherId, payload: { type: 'offer', sdp } },
    });
    assert.equal(answered.type, 'payload', JSON.stringify(answered));
    const answer = answered.payload as { type: string; clientId: string; payload: Frame };
    assert.equal(answer.type, 'offer');
    assert.equal(answer.clientId, publisherId);
    assert.equal(answer.payload.type, 'answer');
    assert.match(String(answer.payload.sdp), /^v=0\r\n/);
    // Janus's candidates follow as payloads of their own.
    const candidate = await client.next((f) => f.type === 'payload' && f.id === undefined);
    assert.equal((candidate.payload as { type: string }).type, 'candidate');

    const subscribed = await request(client, {
      type: 'command',
      command: { type: 'create-subscriber', streamType: 'video', publisherId },
    });
    assert.equal(subscribed.type, 'command', JSON.stringify(subscribed));
    const subscriberId = (subscribed.command as { id: string; sid: string }).id;
    assert.match((subscribed.command as { sid: string }).sid, /^\d+$/);
    assert.notEqual(subscriberId, publisherId);

    const candidatePayload = { candidate: { candidate: '', sdpMid: '0', sdpMLineIndex: 0 } };
    assert.deepEqual(
      (
        await request(client, {
          type: 'payload',
          payload: { type: 'candidate', clientId: 'nope', payload: candidatePayload },
        })
      ).error,
      UNKNOWN_CLIENT,
    );
    assert.deepEqual(
      (
        await request(client, {
          type: 'payload',
          payload: { type: 'frobnicate', clientId: publisherId },
        })
      ).error,
      { code: 'unsupported_payload', message: 'Unsupported payload type.' },
    );
    assert.deepEqual(
      (
        await request(client, {
          type: 'payload',
          payload: { type: 'candidate', clientId: publisherId },
        })
      ).error,
      INVALID_FORMAT,
    );
    const end = await request(client, {
      type: 'payload',
      payload: { type: 'endOfCandidates', clientId: publisherId },
    });
    assert.deepEqual(end.payload, {
      type: 'endOfCandidates',
      clientId: publisherId,
      payload: null,
    });
    const trickled = await request(client, {
      type: 'payload',
      payload: {
        type: 'candidate',
        clientId: publisherId,
        payload: {
          candidate: {
            candidate: 'candidate:1 1 udp 2122260223 127.0.0.2 50000 typ host',
            sdpMid: '0',
            sdpMLineIndex: 0,
          },
        },
      },
    });
    assert.deepEqual(trickled.payload, { type: 'candidate', clientId: publisherId, payload: null });

    // The proxy's metrics count what this session created.
    const metrics = (await httpGet(`${proxy.url}metrics`)).body;
    assert.match(metrics, /signaling_proxy_publishers\{type="video"\} 1\n/);
    assert.match(metrics, /signaling_proxy_subscribers\{type="video"\} 1\n/);
    assert.match(metrics, /signaling_proxy_command_messages_total\{type="create-publisher"\} \d/);
    assert.match(metrics, /signaling_mcu_publishers\{type="video"\} 1\n/);

    const deleted = await request(client, {
      type: 'command',
      command: { type: 'delete-subscriber', clientId: subscriberId },
    });
    assert.deepEqual(deleted.command, { id: subscriberId });
    assert.deepEqual(
      (
        await request(client, {
          type: 'command',
          command: { type: 'delete-subscriber', clientId: subscriberId },
        })
      ).error,
      UNKNOWN_CLIENT,
    );
    // A publisher id is not a subscriber id.
    assert.deepEqual(
      (
        await request(client, {
          type: 'command',
          command: { type: 'delete-subscriber', clientId: publisherId },
        })
      ).error,
      UNKNOWN_CLIENT,
    );
    const gone = await request(client, {
      type: 'command',
      command: { type: 'delete-publisher', clientId: publisherId },
    });
    assert.deepEqual(gone.command, { id: publisherId });
    assert.deepEqual(
      (
        await request(client, {
          type: 'command',
          command: { type: 'delete-publisher', clientId: 'nope' },
        })
      ).error,
      UNKNOWN_CLIENT,
    );
    // Deleted by the server: no publisher-closed, and the load falls back to none.
    const idle = await client.next(
      (f) =>
        f.type === 'event' &&
        (f.event as { type: string }).type === 'update-load' &&
        (f.event as { load?: number }).load === undefined,
      3_000,
    );
    assert.deepEqual(idle.event, { type: 'update-load' });
    await client.expectNothing(
      (f) => f.type === 'event' && (f.event as { type: string }).type === 'publisher-closed',
    );
  });

  test('proxy server protocol - a subscriber to a publisher that never comes times out', async () => {
    const client = await connect();
    await helloWith(client, proxy.token());
    const reply = await request(client, {
      type: 'command',
      command: { type: 'create-subscriber', streamType: 'video', publisherId: 'no-such-publisher' },
    });
    assert.deepEqual(reply.error, { code: 'timeout', message: 'Timeout creating subscriber.' });
    const remote = await request(client, {
      type: 'command',
      command: {
        type: 'create-subscriber',
        streamType: 'video',
        publisherId: 'x',
        remoteUrl: 'http://127.0.0.1:1/',
        remoteToken: 'x',
      },
    });
    assert.deepEqual(remote.error, {
      code: 'unsupported_subscriber',
      message: 'Remote subscribers are not supported.',
    });
  });

  test('proxy server protocol - resume, session_resumed, bye', async () => {
    const first = await connect();
    const hello = await helloWith(first, proxy.token());
    const sessionId = (hello.hello as { sessionid: string }).sessionid;
    await first.next('event');
    // A publisher made before the resume is still there after it.
    const created = await request(first, {
      type: 'command',
      command: { type: 'create-publisher', streamType: 'screen' },
    });
    const publisherId = (created.command as { id: string }).id;

    const second = await connect();
    const resumed = await request(second, {
      type: 'hello',
      hello: { version: '1.0', resumeid: sessionId },
    });
    assert.equal((resumed.hello as { sessionid: string }).sessionid, sessionId);
    assert.deepEqual((await first.next('bye')).bye, { reason: 'session_resumed' });
    assert.equal((await second.next('event')).type, 'event');
    // Commands on the old connection need a new hello.
    assert.deepEqual(
      (await request(first, { type: 'command', command: { type: 'frobnicate' } })).error,
      { code: 'hello_expected', message: 'Expected Hello request.' },
    );

    // After the connection is gone the session can still be resumed.
    await second.close();
    const third = await connect();
    const again = await request(third, {
      type: 'hello',
      hello: { version: '1.0', resumeid: sessionId },
    });
    assert.equal(again.type, 'hello');
    const deleted = await request(third, {
      type: 'command',
      command: { type: 'delete-publisher', clientId: publisherId },
    });
    assert.deepEqual(deleted.command, { id: publisherId });

    // bye ends the session: bye session_closed, and it cannot be resumed any more.
    third.send({ type: 'bye', bye: {} });
    assert.deepEqual((await third.next('bye')).bye, { reason: 'session_closed' });
    const fourth = await connect();
    const refused = await request(fourth, {
      type: 'hello',
      hello: { version: '1.0', resumeid: sessionId },
    });
    assert.deepEqual(refused.error, {
      code: 'no_such_session',
      message: 'The session to resume does not exist.',
    });
    const metrics = (await httpGet(`${proxy.url}metrics`)).body;
    assert.match(metrics, /signaling_proxy_sessions_resumed_total 2\n/);
  });

  test('proxy server protocol - garbage, huge and deep frames get errors, never a crash', async () => {
    const client = await connect();
    for (const raw of ['[]', '42', 'null', '{"type":', '{"type":"hello","hello":"x"}', '\u0000']) {
      client.sendRaw(raw);
      const reply = await client.next();
      assert.deepEqual(reply.error, INVALID_FORMAT, raw);
    }
    // Deeply nested: refused by the decoder's depth bound, with the id.
    const deep = `{"id":"d","type":"hello","hello":{"version":"1.0","x":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    client.sendRaw(deep);
    assert.deepEqual(await client.next(), { id: 'd', type: 'error', error: INVALID_FORMAT });
    // Binary frames are ignored, as upstream does.
    client.sendRaw(Buffer.from([1, 2, 3]));
    await client.expectNothing(undefined, 200);
    // Larger than upstream's 64 KiB read limit: the connection is closed (1009).
    const huge = await connect();
    huge.sendRaw(
      JSON.stringify({ type: 'hello', hello: { version: '1.0', token: 'x'.repeat(70_000) } }),
    );
    assert.equal(await huge.closed, 1009);
    // The proxy is still serving.
    const fresh = await connect();
    assert.equal((await helloWith(fresh, proxy.token())).type, 'hello');
    assert.equal(proxy.child.exitCode, null);
  });

  test('proxy server protocol - HTTP: welcome, stats and metrics only for allowed IPs, 404', async () => {
    const welcome = await httpGet(`${proxy.url}welcome`);
    assert.equal(welcome.status, 200);
    const body = JSON.parse(welcome.body) as Record<string, string>;
    assert.equal(body['nextcloud-spreed-signaling-proxy'], 'Welcome');
    const stats = JSON.parse((await httpGet(`${proxy.url}stats`)).body) as Record<string, unknown>;
    assert.equal(typeof stats.sessions, 'number');
    assert.deepEqual(Object.keys(stats.mcu as object).sort(), [
      'clients',
      'connected',
      'publishers',
      'url',
    ]);
    // [stats] allowed_ips = 127.0.0.1: another loopback address is refused.
    for (const path of ['stats', 'metrics']) {
      const refused = await httpGet(`${proxy.url}${path}`, '127.0.0.3');
      assert.equal(refused.status, 403, path);
      assert.equal(refused.body, 'Authentication check failed\n');
    }
    assert.equal((await httpGet(`${proxy.url}nothing`)).status, 404);
  });

  test('proxy server protocol - SIGHUP reloads the token keys', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const path = join(proxy.dir, 'server2.pem');
    writeFileSync(path, publicKey.export({ type: 'spki', format: 'pem' }));
    const token = () =>
      signRs256({ iat: Math.floor(Date.now() / 1000), iss: 'server2' }, privateKey);
    const client = await connect();
    assert.deepEqual((await helloWith(client, token())).error, AUTH_FAILED);
    const conf = readFileSync(proxy.confPath, 'utf8');
    writeFileSync(proxy.confPath, conf.replace('[tokens]\n', `[tokens]\nserver2 = ${path}\n`));
    proxy.child.kill('SIGHUP');
    await eventually(async () => proxy.output().includes('configuration reloaded'), 'reload');
    assert.equal((await helloWith(client, token())).type, 'hello');
  });

  test('proxy server protocol - Janus going away and coming back: publisher-closed, backend events', {
    timeout: 40_000,
  }, async () => {
    const client = await connect();
    await helloWith(client, proxy.token());
    const created = await request(client, {
      type: 'command',
      command: { type: 'create-publisher', streamType: 'screen' },
    });
    const publisherId = (created.command as { id: string }).id;
    const eventOf = (type: string) => (f: Frame) =>
      f.type === 'event' && (f.event as { type: string }).type === type;
    await janus.kill();
    const closed = await client.next(eventOf('publisher-closed'), 10_000);
    assert.deepEqual(closed.event, { type: 'publisher-closed', clientId: publisherId });
    await client.next(eventOf('backend-disconnected'), 10_000);
    await janus.restart();
    await client.next(eventOf('backend-connected'), 20_000);
    // The closed publisher is gone: deleting it is an unknown client now.
    const deleted = await request(client, {
      type: 'command',
      command: { type: 'delete-publisher', clientId: publisherId },
    });
    assert.deepEqual(deleted.error, UNKNOWN_CLIENT);
    const metrics = (await httpGet(`${proxy.url}metrics`)).body;
    assert.match(metrics, /signaling_proxy_publishers\{type="screen"\} 0\n/);
  });

  test('proxy server protocol - SIGUSR1 with a live publisher: event, refused publishers, exit after the delete', {
    timeout: 30_000,
  }, async () => {
    const client = await connect();
    await helloWith(client, proxy.token());
    await client.next('event');
    const created = await request(client, {
      type: 'command',
      command: {
        type: 'create-publisher',
        streamType: 'video',
        publisherSettings: { bitrate: 50_000 },
      },
    });
    const publisherId = (created.command as { id: string }).id;
    proxy.child.kill('SIGUSR1');
    await client.next(
      (f) => f.type === 'event' && (f.event as { type: string }).type === 'shutdown-scheduled',
    );
    const refused = await request(client, {
      type: 'command',
      command: { type: 'create-publisher', streamType: 'video' },
    });
    assert.deepEqual(refused.error, {
      code: 'shutdown_scheduled',
      message: 'The server is scheduled to shutdown.',
    });
    // Still running while the publisher lives.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(proxy.child.exitCode, null);
    const deleted = await request(client, {
      type: 'command',
      command: { type: 'delete-publisher', clientId: publisherId },
    });
    assert.deepEqual(deleted.command, { id: publisherId });
    assert.equal(await exitOf(proxy.child), 0);
  });
}
