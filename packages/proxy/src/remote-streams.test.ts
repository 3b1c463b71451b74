import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ProxyPublisherStream } from '@spreed-ts/protocol';
import {
  JanusRemoteFeed,
  type JanusSfu,
  ProxyTokenSigner,
  type StreamType,
  silentLogger,
} from '@spreed-ts/server';
import { loadProxyConfig } from './config.js';
import {
  checkedStreams,
  RemoteStreamError,
  RemoteStreams,
  validRemoteUrl,
} from './remote-streams.js';

const BASE = '[mcu]\nurl = ws://127.0.0.1:8188/\n';

test('remote streams - [app] token_id needs token_key; hostname is validated', () => {
  assert.equal(loadProxyConfig(BASE, {}).config.app.remote, undefined);
  assert.throws(() => loadProxyConfig(`${BASE}[app]\ntoken_id = p1\n`, {}), /token_key/);
  assert.deepEqual(
    loadProxyConfig(`${BASE}[app]\ntoken_id = p1\ntoken_key = /k.pem\nhostname = 10.0.0.5\n`, {})
      .config.app.remote,
    { tokenId: 'p1', tokenKeyPath: '/k.pem', hostname: '10.0.0.5' },
  );
  assert.throws(
    () => loadProxyConfig(`${BASE}[app]\ntoken_id = p1\ntoken_key = /k\nhostname = a b\n`, {}),
    /hostname/,
  );
  assert.deepEqual(
    loadProxyConfig(`${BASE}[app]\ntoken_id = p1\ntoken_key = /k.pem\n`, {}).unsupported,
    [],
  );
});

test('remote streams - remote URLs and streams from another proxy are checked', () => {
  assert.equal(validRemoteUrl('https://proxy.example/'), true);
  assert.equal(validRemoteUrl('ws://127.0.0.1:9/'), true);
  assert.equal(validRemoteUrl('file:///etc/passwd'), false);
  assert.equal(validRemoteUrl(`http://x/${'a'.repeat(2000)}`), false);
  assert.deepEqual(
    checkedStreams([{ mid: '0', mindex: 0, type: 'audio', codec: 'opus', fec: true, extra: 1 }]),
    [{ mid: '0', mindex: 0, type: 'audio', codec: 'opus', fec: true }],
  );
  for (const bad of [
    null,
    {},
    [{ mid: '0', mindex: 0, type: 'text' }],
    [{ mid: '', mindex: 0, type: 'audio' }],
    [{ mid: '0', mindex: -1, type: 'audio' }],
    [{ mid: '0', mindex: 0, type: 'audio', fec: 'yes' }],
    [{ mid: '0', mindex: 0, type: 'video', playoutdelay_ext_id: 1e9 }],
    Array.from({ length: 17 }, (_, i) => ({ mid: String(i), mindex: i, type: 'audio' })),
  ]) {
    assert.throws(
      () => checkedStreams(bad),
      (err: unknown) => err instanceof RemoteStreamError && err.wire.code === 'invalid_format',
    );
  }
});

// ---- A link that gets a new session at the other proxy ----

type Frame = Record<string, unknown>;

const { WebSocketServer } = createRequire(import.meta.url)('ws') as typeof import('ws');

/**
 * "Proxy A": a WebSocket server on 127.0.0.1 speaking the proxy API. Hellos with a token get a
 * new session; a resume keeps its session (`resume: 'accept'`), is refused with
 * `no_such_session` as after an expiry (`'refuse'`), or is answered with a different session
 * (`'new-id'`). Commands are recorded with the session they came on; `publish-remote` and
 * `get-publisher-streams` know only the ids in `publishers`. `drop` cuts every socket.
 */
async function fakeProxyA() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  let sessions = 0;
  const fake = {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    resume: 'accept' as 'accept' | 'refuse' | 'new-id',
    publishers: new Set<string>(),
    hellos: [] as Frame[],
    commands: [] as { session: string; command: Frame }[],
    published(type: string) {
      return fake.commands.filter((c) => c.command.type === type);
    },
    drop() {
      for (const socket of wss.clients) {
        socket.terminate();
      }
    },
    /** Tells every connection that this proxy's Janus is gone. */
    janusLost() {
      for (const socket of wss.clients) {
        socket.send(JSON.stringify({ type: 'event', event: { type: 'backend-disconnected' } }));
      }
    },
    close() {
      fake.drop();
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  wss.on('connection', (socket) => {
    let session = '';
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      const send = (m: unknown) => socket.send(JSON.stringify(m));
      const fail = (code: string) =>
        send({ id: frame.id, type: 'error', error: { code, message: code } });
      if (frame.type === 'hello') {
        const hello = frame.hello as Frame;
        fake.hellos.push(hello);
        if (typeof hello.resumeid === 'string' && fake.resume === 'refuse') {
          fail('no_such_session');
          return;
        }
        session =
          typeof hello.resumeid === 'string' && fake.resume === 'accept'
            ? hello.resumeid
            : `s${++sessions}`;
        send({ id: frame.id, type: 'hello', hello: { version: '1.0', sessionid: session } });
        return;
      }
      const command = frame.command as Frame;
      fake.commands.push({ session, command });
      const clientId = String(command.clientId);
      if (!fake.publishers.has(clientId)) {
        fail('unknown_client');
      } else if (command.type === 'get-publisher-streams') {
        send({
          id: frame.id,
          type: 'command',
          command: { id: clientId, streams: [{ mid: '0', mindex: 0, type: 'video' }] },
        });
      } else {
        send({ id: frame.id, type: 'command', command: { id: clientId } });
      }
    });
  });
  return fake;
}

/** A Janus handle that answers every request (what a remote publisher's close sends is kept). */
class FakeHandle extends EventEmitter {
  readonly requests: string[] = [];
  async message(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.requests.push(String(body.request));
    return {};
  }
  async detach(): Promise<void> {}
}

/** Fake proxy A and proxy B's remote streams, both closed after the test. */
async function proxiesAandB(t: { after(fn: () => Promise<void>): void }) {
  const a = await fakeProxyA();
  const { remote, feeds } = remoteStreamsB();
  t.after(async () => {
    await remote.close();
    await a.close();
  });
  return { a, remote, feeds };
}

/** {@link proxiesAandB} with publishers p1 and p2 at A, each forwarded to B by one subscriber. */
async function twoFeedsFromA(t: { after(fn: () => Promise<void>): void }) {
  const env = await proxiesAandB(t);
  env.a.publishers.add('p1').add('p2');
  await env.remote.acquire(env.a.url, 'p1', 'video');
  await env.remote.acquire(env.a.url, 'p2', 'video');
  return env;
}

/** Remote streams of "proxy B" with a Janus whose remote publishers are real objects on fakes. */
function remoteStreamsB() {
  const feeds: JanusRemoteFeed[] = [];
  const sfu = {
    async newRemoteFeed(
      publisherId: string,
      streamType: StreamType,
      streams: readonly ProxyPublisherStream[],
    ): Promise<JanusRemoteFeed> {
      const n = feeds.length;
      const handle = new FakeHandle() as unknown as ConstructorParameters<
        typeof JanusRemoteFeed
      >[0];
      const feed = new JanusRemoteFeed(
        handle,
        {
          publisherId,
          streamType,
          streams,
          roomId: 100 + n,
          port: 20_000 + 2 * n,
          rtcpPort: 30_000 + 2 * n,
        },
        silentLogger,
      );
      feeds.push(feed);
      return feed;
    },
  };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const remote = new RemoteStreams({
    signer: new ProxyTokenSigner('proxy-b', privateKey),
    hostname: '10.0.0.2',
    sfu: sfu as unknown as JanusSfu,
    logger: silentLogger,
    timeoutMs: 2_000,
  });
  return { remote, feeds };
}

async function until(what: string, check: () => boolean, ms = 6_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await delay(20);
  }
}

/** The destination fields of each `publish-remote`, by publisher. */
function targets(commands: { session: string; command: Frame }[]) {
  return commands
    .map(({ session, command: c }) => [session, c.clientId, c.hostname, c.port, c.rtcpPort])
    .sort((x, y) => String(x[1]).localeCompare(String(y[1])));
}

for (const resume of ['refuse', 'new-id'] as const) {
  test(`remote streams - a new session at the other proxy (resume ${resume}) publishes every live feed again`, {
    timeout: 15_000,
  }, async (t) => {
    const { a, remote, feeds } = await twoFeedsFromA(t);
    const first = a.published('publish-remote');
    assert.equal(first.length, 2);
    assert.equal(remote.connectionCount, 1);

    a.resume = resume;
    a.drop();
    await until('publish-remote again', () => a.published('publish-remote').length === 4);
    const again = a.published('publish-remote').slice(2);
    assert.deepEqual(
      targets(again),
      targets(first).map(([, ...rest]) => ['s2', ...rest]),
      'same publishers, hostname and ports, on the new session',
    );
    assert.deepEqual(
      feeds.map((f) => f.closed),
      [false, false],
    );
    // The feeds stay shared: a new subscriber reuses them.
    await remote.acquire(a.url, 'p1', 'video');
    assert.equal(feeds.length, 2);
    assert.equal(a.published('get-publisher-streams').length, 2);
  });
}

test('remote streams - a resumed session sends nothing again', { timeout: 15_000 }, async (t) => {
  const { a, remote, feeds } = await proxiesAandB(t);
  a.publishers.add('p1');
  await remote.acquire(a.url, 'p1', 'video');
  const commands = a.commands.length;
  a.drop();
  await until('the resume', () => a.hellos.some((h) => h.resumeid === 's1'));
  // Let any command that would follow the resumed hello arrive.
  await delay(300);
  assert.equal(a.commands.length, commands);
  assert.equal(feeds[0]?.closed, false);
});

test('remote streams - a feed whose publisher is gone after a new session is closed and made anew', {
  timeout: 15_000,
}, async (t) => {
  const { a, remote, feeds } = await twoFeedsFromA(t);
  a.publishers.delete('p1');
  a.resume = 'refuse';
  a.drop();
  await until('p1 closed', () => feeds[0]?.closed === true);
  const again = () => a.published('publish-remote').filter((c) => c.session === 's2');
  await until('both published again', () => again().length === 2);
  assert.deepEqual(
    again()
      .map((c) => c.command.clientId)
      .sort(),
    ['p1', 'p2'],
  );
  // p2's forwarding was made again: it stays.
  await delay(100);
  assert.equal(feeds[1]?.closed, false);
  // The publisher is back (e.g. it reconnected): the next subscriber sets up a fresh feed.
  a.publishers.add('p1');
  await remote.acquire(a.url, 'p1', 'video');
  assert.equal(feeds.length, 3);
  assert.equal(feeds[2]?.publisherId, 'p1');
  assert.equal(feeds[2]?.closed, false);
  assert.equal(a.published('get-publisher-streams').filter((c) => c.session === 's2').length, 1);
});

test('remote streams - an unreachable proxy closes the feeds of its link', {
  timeout: 15_000,
}, async (t) => {
  const { a, remote, feeds } = await proxiesAandB(t);
  a.publishers.add('p1');
  await remote.acquire(a.url, 'p1', 'video');
  await remote.acquire(a.url, 'p1', 'video');
  assert.equal(feeds.length, 1);
  await a.close();
  await until('the feed closed', () => feeds[0]?.closed === true);
  await until('the link closed', () => remote.connectionCount === 0);
});

test('remote streams - the other proxy losing its Janus closes the feeds of its link', {
  timeout: 15_000,
}, async (t) => {
  const { a, remote, feeds } = await twoFeedsFromA(t);
  a.janusLost();
  await until('the feeds closed', () => feeds.every((f) => f.closed));
  await until('the link closed', () => remote.connectionCount === 0);
  // Nothing was published again for feeds whose publishers are gone.
  assert.equal(a.published('publish-remote').length, 2);
});
