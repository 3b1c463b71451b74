import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JanusFixture, startJanus } from '@spreed-ts/testkit';
import { type ClusterEnv, startClusterEnv } from '../../cluster/helpers/cluster-env.js';
import { clusterMetrics, enterCall, inCallWatcher } from '../../sfu/helpers/cluster-watch.js';
import type { SfuPeer } from '../../sfu/helpers/sfu-peer.js';
import { OUR_PROXY, type ProxyLauncher, type ProxyProcess, startProxy } from './go-proxy.js';
import { rsaKeyPair } from './proxy-env.js';

/** Options of {@link startProxyClusterEnv}. */
export interface ProxyClusterEnvOptions {
  /** Number of signaling servers (default 2). */
  servers?: number;
  /** Number of proxies, each with its own Janus (default 1). */
  proxies?: number;
  /** Which proxies each server has in its `[mcu] url` (default: all of them). */
  serverProxies?: number[][];
  /**
   * Which servers' token keys each proxy accepts (default: every server's). A proxy that knows
   * only its own server's key lets other servers in only with the token that server hands out.
   */
  proxyTrusts?: number[][];
  /** Which proxy program runs (default our `bin/proxy`). */
  launcher?: ProxyLauncher;
}

/** One entry of `mcu.proxy.details` in `/api/v1/stats`. */
export interface ProxyStatsEntry {
  url: string;
  connected: boolean;
  temporary?: boolean;
  publishers: number;
  clients: number;
}

/** Janus instances, proxies, a real nats-server and N `bin/signaling` processes with `type = proxy`. */
export interface ProxyClusterEnv extends AsyncDisposable {
  janus: JanusFixture[];
  proxies: ProxyProcess[];
  cluster: ClusterEnv;
  /** The token id server `i` signs its proxy hellos with. */
  tokenId(i: number): string;
  /** A participant of `token` on server `i` that joined the room and the call (and saw itself). */
  peer(i: number, token: string, userId: string): Promise<SfuPeer>;
  /** Waits until `peer` saw a participants update listing every one of `sessionIds` in the call. */
  seesInCall(peer: SfuPeer, sessionIds: string[]): Promise<void>;
  /** The value of a sample on server `i`'s /metrics (0 when absent). */
  metric(i: number, sample: string): Promise<number>;
  /** Waits (bounded) until {@link metric} of server `i` is `value`. */
  metricBecomes(i: number, sample: string, value: number, timeoutMs?: number): Promise<void>;
  /** Server `i`'s proxy connections as `/api/v1/stats` lists them. */
  proxyStats(i: number): Promise<ProxyStatsEntry[]>;
}

/** Starts Janus and the proxies first (their URLs go into the servers' `[mcu]`), then the cluster. */
export async function startProxyClusterEnv(
  options: ProxyClusterEnvOptions = {},
): Promise<ProxyClusterEnv> {
  const serverCount = options.servers ?? 2;
  const proxyCount = options.proxies ?? 1;
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  const dir = await mkdtemp(join(tmpdir(), 'spreed-proxy-cluster-'));
  const keys = all(serverCount).map(() => rsaKeyPair());
  const tokenId = (i: number) => `server-${i}`;
  const janus: JanusFixture[] = [];
  const proxies: ProxyProcess[] = [];
  let cluster: ClusterEnv | undefined;
  const peers: SfuPeer[] = [];
  const cleanup = async () => {
    for (const peer of peers) {
      peer.close();
    }
    await cluster?.[Symbol.asyncDispose]();
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(janus.map((j) => j.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    janus.push(...(await Promise.all(all(proxyCount).map(() => startJanus()))));
    for (const p of all(proxyCount)) {
      const trusted = options.proxyTrusts?.[p] ?? all(serverCount);
      proxies.push(
        await startProxy({
          launcher: options.launcher ?? OUR_PROXY,
          janusUrl: (janus[p] as JanusFixture).url,
          tokens: Object.fromEntries(
            trusted.map((s) => [tokenId(s), (keys[s] as { publicKey: string }).publicKey]),
          ),
        }),
      );
    }
    for (const s of all(serverCount)) {
      await writeFile(
        join(dir, `${tokenId(s)}.pem`),
        (keys[s] as { privateKey: string }).privateKey,
      );
    }
    cluster = await startClusterEnv({
      servers: serverCount,
      configFor: (s) =>
        [
          '[mcu]',
          'type = proxy',
          `url = ${(options.serverProxies?.[s] ?? all(proxyCount))
            .map((p) => (proxies[p] as ProxyProcess).url)
            .join(' ')}`,
          `token_id = ${tokenId(s)}`,
          `token_key = ${join(dir, `${tokenId(s)}.pem`)}`,
          'proxytimeout = 2',
          'timeout = 5',
        ].join('\n'),
    });
    // A client uses the SFU only when it was told `mcu` in its hello: wait for the proxies.
    const started = cluster;
    await Promise.all(started.servers.map((s) => s.waitForLog(/proxy session created/, 15_000)));
  } catch (err) {
    await cleanup();
    throw err;
  }
  const c = cluster;
  const env: ProxyClusterEnv = {
    janus,
    proxies,
    cluster: c,
    tokenId,
    async peer(i, token, userId) {
      const joined = await c.joined(i, token, userId);
      return enterCall(c.dev, env.seesInCall, peers, joined);
    },
    seesInCall: inCallWatcher(),
    ...clusterMetrics(() => c.servers),
    async proxyStats(i) {
      const server = c.servers[i];
      if (server === undefined) {
        throw new Error(`no server ${i}`);
      }
      const body = (await (await fetch(`${server.httpUrl}api/v1/stats`)).json()) as {
        mcu?: { proxy?: { details?: ProxyStatsEntry[] } };
      };
      return body.mcu?.proxy?.details ?? [];
    },
    [Symbol.asyncDispose]: cleanup,
  };
  return env;
}
