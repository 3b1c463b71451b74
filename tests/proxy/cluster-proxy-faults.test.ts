import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from '@spreed-ts/testkit';
import { type FakeProxy, helloAnswer, startFakeProxy } from './helpers/fake-proxy.js';
import { type ProxyEnv, startProxyEnv } from './helpers/proxy-env.js';

/** A fake proxy that accepts hellos; `command` answers commands (default: a new client id). */
function acceptingProxy(command?: (frame: Record<string, unknown>) => unknown): Promise<FakeProxy> {
  return startFakeProxy((frame, send) => {
    if (frame.type === 'hello') {
      send(helloAnswer(frame, 'fake-session'));
    } else if (frame.type === 'command') {
      send(
        command?.(frame) ?? {
          id: frame.id,
          type: 'command',
          command: { id: `client-${String(frame.id)}` },
        },
      );
    }
  });
}

/** What the cluster link plugs into an SFU to find other servers' publishers. */
type RemotePublishers = NonNullable<
  Parameters<ProxyEnv['sig']['server']['sfu']['setRemotePublishers']>[0]
>;

/** Every other server has the publisher on `proxyUrl` (what a lookup over NATS would say). */
function publisherOn(proxyUrl: string, token = 'token-of-the-other-server'): RemotePublishers {
  return {
    find: async () => ({
      server: 'other-server',
      location: { sfu: proxyUrl, room: 0, feed: 0, proxyclient: 'remote-publisher-1', token },
    }),
  };
}

interface TemporaryEntry {
  url: string;
  temporary: boolean;
}

function temporaryUrls(env: ProxyEnv): string[] {
  const info = env.sig.server.sfu.serverInfo?.() as { proxies?: TemporaryEntry[] } | undefined;
  return (info?.proxies ?? []).filter((p) => p.temporary).map((p) => p.url);
}

/** Bob asks for Alice's stream; resolves with the error frame and how long it took. */
async function requestOffer(env: ProxyEnv): Promise<{ error: unknown; ms: number }> {
  env.dev.addUser('alice');
  env.dev.addUser('bob');
  env.dev.createRoom({ token: 'faults', owner: 'alice' });
  const alice = await env.peer('faults', 'alice');
  const bob = await env.peer('faults', 'bob');
  const started = Date.now();
  const id = bob.sendTo(alice.sessionId, { type: 'requestoffer', roomType: 'video' });
  const frame = await bob.error(id, 15_000);
  return { error: frame.error, ms: Date.now() - started };
}

const NOT_FOUND = { code: 'client_not_found', message: 'No MCU client found to send message to.' };

test('cluster proxy faults - a publisher proxy that refuses the handed-out token: client_not_found, temporary connection gone', {
  timeout: 30_000,
}, async (t) => {
  await using own = await acceptingProxy();
  await using refusing = await startFakeProxy((frame, send) => {
    if (frame.type === 'hello') {
      send({ id: frame.id, type: 'error', error: { code: 'auth_failed', message: 'no' } });
    }
  });
  await using env = await startProxyEnv({ proxies: 0, extraUrls: [own.url] });
  await env.proxiesConnected(1);
  env.sig.server.sfu.setRemotePublishers(publisherOn(refusing.url));
  const { error, ms } = await requestOffer(env);
  assert.deepEqual(error, NOT_FOUND);
  // At once: the refusal is final for a temporary connection ([mcu] timeout = 5 s here).
  assert.ok(ms < 3_000, `answered after ${ms} ms`);
  t.diagnostic(`client_not_found after ${ms} ms`);
  // The hello carried the token the publisher's server handed out.
  const hello = refusing.received.find((r) => r.frame.type === 'hello')?.frame.hello as
    | { token?: string }
    | undefined;
  assert.equal(hello?.token, 'token-of-the-other-server');
  await waitUntil(() => temporaryUrls(env).length === 0, 5_000, 'temporary connection closed');
  const dials = refusing.connections;
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  assert.equal(refusing.connections, dials, 'no more reconnects after giving up');
});

test('cluster proxy faults - the publisher proxy refuses the subscriber: client_not_found, temporary connection closed', {
  timeout: 30_000,
}, async () => {
  await using own = await acceptingProxy();
  await using refusing = await acceptingProxy((frame) => ({
    id: frame.id,
    type: 'error',
    error: { code: 'no_such_client', message: 'publisher not found' },
  }));
  await using env = await startProxyEnv({ proxies: 0, extraUrls: [own.url] });
  await env.proxiesConnected(1);
  env.sig.server.sfu.setRemotePublishers(publisherOn(refusing.url));
  const { error } = await requestOffer(env);
  assert.deepEqual(error, NOT_FOUND);
  const create = refusing.received.find((r) => r.frame.type === 'command')?.frame.command;
  assert.deepEqual(create, {
    type: 'create-subscriber',
    streamType: 'video',
    publisherId: 'remote-publisher-1',
  });
  await waitUntil(() => refusing.sockets.size === 0, 5_000, 'temporary connection closed');
  assert.deepEqual(temporaryUrls(env), []);
  // The server's own proxy was not asked for anything.
  assert.equal(own.received.filter((r) => r.frame.type === 'command').length, 0);
});

test('cluster proxy faults - a publisher location with a bad proxy URL: client_not_found at once', {
  timeout: 30_000,
}, async () => {
  await using own = await acceptingProxy();
  await using env = await startProxyEnv({ proxies: 0, extraUrls: [own.url] });
  await env.proxiesConnected(1);
  env.sig.server.sfu.setRemotePublishers(publisherOn('not a url'));
  const { error, ms } = await requestOffer(env);
  assert.deepEqual(error, NOT_FOUND);
  assert.ok(ms < 2_000, `answered after ${ms} ms`);
  assert.deepEqual(temporaryUrls(env), []);
});
