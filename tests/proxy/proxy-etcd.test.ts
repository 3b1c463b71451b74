// `[mcu] urltype = etcd`: our server learns its signaling proxy (our bin/proxy) from a real etcd at
// run time. No proxy at first (no `mcu` feature: clients stay peer-to-peer), the proxy's key put
// (the server connects, a call with audio works, serverinfo shows etcd), deleted (the proxy is
// left once its streams are gone, as upstream).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  insideTestNetns,
  runInTestNetns,
  startEtcd,
  waitUntil,
  welcomeFeatures,
} from '@spreed-ts/testkit';
import { OUR_PROXY } from './helpers/go-proxy.js';
import { logLines, startProxyEnv } from './helpers/proxy-env.js';
import { hears } from './helpers/scenarios.js';

const PREFIX = '/test/signaling/proxy/server';

interface ServerInfo {
  sfu?: { mode: string; proxies?: { url: string; connected: boolean }[] };
  etcd?: { endpoints: string[]; active?: string; connected?: boolean };
}

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('mcu proxy urltype = etcd - a proxy put into etcd at run time is used, deleted is left', {
    timeout: 90_000,
  }, async () => {
    await using etcd = await startEtcd();
    await using env = await startProxyEnv({
      launcher: OUR_PROXY,
      etcd: { endpoint: etcd.endpoint, keyPrefix: PREFIX },
    });
    const proxy = env.proxies[0] ?? assert.fail('no proxy');
    const sfu = env.sig.server.sfu;
    const serverInfo = async (): Promise<ServerInfo> =>
      (await (await fetch(`${env.sig.httpUrl}api/v1/serverinfo`)).json()) as ServerInfo;

    env.dev.addUser('alice');
    env.dev.addUser('bob');
    env.dev.addUser('carol');
    env.dev.createRoom({ token: 'etcd', owner: 'alice' });

    // Nothing in etcd: no SFU, so no `mcu` feature (clients of this time stay peer-to-peer).
    assert.equal(sfu.connected, false);
    const carol = await env.peer('etcd', 'carol');
    assert.ok(!carol.helloFeatures.includes('mcu'), `features: ${carol.helloFeatures}`);
    assert.ok(!(await welcomeFeatures(env.sig.wsUrl)).includes('mcu'));
    assert.equal((await serverInfo()).sfu?.proxies?.length ?? 0, 0);
    const before = await serverInfo();
    assert.deepEqual(before.etcd?.endpoints, [etcd.endpoint]);
    assert.equal(before.etcd?.active, `127.0.0.1:${etcd.clientPort}`);
    assert.equal(before.etcd?.connected, true);

    // The proxy is announced (without the trailing slash, which the server adds).
    await etcd.put(`${PREFIX}/one`, JSON.stringify({ address: proxy.url.replace(/\/$/, '') }));
    await env.sfuConnected(true);
    assert.ok((await welcomeFeatures(env.sig.wsUrl)).includes('mcu'));
    const alice = await env.peer('etcd', 'alice');
    const bob = await env.peer('etcd', 'bob');
    assert.ok(alice.helloFeatures.includes('mcu'), `features: ${alice.helloFeatures}`);
    await alice.publish({ frequency: 440 });
    await hears(bob, alice, 440);
    assert.equal(sfu.localPublisher(alice.sessionId, 'video')?.sfu, proxy.url);
    const during = await serverInfo();
    assert.deepEqual(
      during.sfu?.proxies?.map((p) => [p.url, p.connected]),
      [[proxy.url, true]],
    );

    // Deleted: the server stops using it; the running call keeps it until its streams are gone.
    await etcd.delete(`${PREFIX}/one`);
    await waitUntil(
      () => logLines(env, 'removing proxy connection', proxy.url).length > 0,
      10_000,
      'proxy removed',
    );
    assert.equal(sfu.connected, true);
    for (const peer of [alice, bob]) {
      peer.client.send({ type: 'bye', bye: {} });
    }
    await env.sfuConnected(false);
    await waitUntil(
      () => logLines(env, 'closing unused proxy connection', proxy.url).length > 0,
      10_000,
      'unused proxy closed',
    );
    assert.deepEqual((await serverInfo()).sfu?.proxies ?? [], []);
  });
}
