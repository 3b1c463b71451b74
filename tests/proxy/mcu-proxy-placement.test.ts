import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '@spreed-ts/server';
import { waitUntil } from '@spreed-ts/testkit';
import { type FakeProxy, helloAnswer, startFakeProxy } from './helpers/fake-proxy.js';
import { startProxyEnv } from './helpers/proxy-env.js';

/** A well-behaved fake proxy in `country` with `load`, that creates publishers. */
function countryProxy(country: string, load: number): Promise<FakeProxy> {
  return startFakeProxy((frame, send) => {
    if (frame.type === 'hello') {
      const answer = helloAnswer(frame, `session-${country}`) as {
        hello: { server: Record<string, unknown> };
      };
      answer.hello.server.country = country;
      send(answer);
      send({ type: 'event', event: { type: 'update-load', load } });
    } else if (frame.type === 'command') {
      send({ id: frame.id, type: 'command', command: { id: `client-${String(frame.id)}` } });
    } else if (frame.type === 'payload') {
      send({
        id: frame.id,
        type: 'payload',
        payload: { ...(frame.payload as object), payload: null },
      });
    }
  });
}

const creates = (fake: FakeProxy) =>
  fake.received.filter(
    (r) =>
      r.frame.type === 'command' &&
      (r.frame.command as { type: string }).type === 'create-publisher',
  ).length;

test('mcu proxy - placement prefers the client country, then its continent, then load; SIGHUP changes the proxies', {
  timeout: 30_000,
}, async () => {
  await using de = await countryProxy('DE', 10);
  await using fr = await countryProxy('FR', 5);
  await using us = await countryProxy('US', 0);
  await using env = await startProxyEnv({
    proxies: 0,
    extraUrls: [de.url, fr.url, us.url],
    extraConfig: '[geoip-overrides]\n127.0.0.1 = DE\n',
  });
  await env.proxiesConnected(3);
  await waitUntil(
    () =>
      env.sig.server.sfu.serverInfo !== undefined &&
      (env.sig.server.sfu.serverInfo() as { proxies: { load?: number }[] }).proxies.some(
        (p) => p.load === 10,
      ),
    5_000,
    'loads known',
  );
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'geo', owner: 'alice' });
  const alice = await env.peer('geo', 'alice');
  // The client (127.0.0.1 = DE) gets the German proxy although it has the highest load.
  await alice.offerOnly('video');
  await waitUntil(() => creates(de) === 1, 5_000, 'publisher on the DE proxy');
  assert.deepEqual([creates(fr), creates(us)], [0, 0]);

  // The German proxy announces its shutdown: next is France (same continent), not the idle US one.
  for (const socket of de.sockets) {
    socket.send(JSON.stringify({ type: 'event', event: { type: 'shutdown-scheduled' } }));
  }
  await waitUntil(
    () =>
      (
        env.sig.server.sfu.serverInfo?.() as { proxies?: { shutdown?: boolean }[] } | undefined
      )?.proxies?.some((p) => p.shutdown === true) === true,
    5_000,
    'shutdown seen',
  );
  env.dev.addUser('bob');
  const bob = await env.peer('geo', 'bob');
  await bob.offerOnly('video');
  await waitUntil(() => creates(fr) === 1, 5_000, 'publisher on the FR proxy');
  assert.deepEqual([creates(de), creates(us)], [1, 0]);

  // SIGHUP with another proxy list: the (unused) US proxy goes, a new one is connected.
  await using other = await countryProxy('IT', 0);
  const server = env.sig.server;
  const text = [
    '[sessions]',
    `hashkey = ${server.config.sessions.hashKey}`,
    '[mcu]',
    'type = proxy',
    `url = ${de.url} ${fr.url} ${other.url}`,
    'token_id = server1',
    `token_key = ${server.config.mcu.proxy.tokenKey}`,
  ].join('\n');
  const reloaded = loadConfig(text, {}).config;
  server.reload({ ...server.config, mcu: reloaded.mcu, geoip: reloaded.geoip });
  await waitUntil(() => other.connections === 1, 5_000, 'new proxy connected');
  await waitUntil(
    () => {
      const info = server.sfu.serverInfo?.() as { proxies: { url: string }[] };
      return (
        info.proxies
          .map((p) => p.url)
          .sort()
          .join(' ') === [de.url, fr.url, other.url].sort().join(' ')
      );
    },
    5_000,
    'proxy list replaced',
  );
});
