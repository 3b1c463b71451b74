import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevBackend } from '@spreed-ts/devbackend';
import { createLogger, type SfuFeature } from '@spreed-ts/server';
import {
  type JanusFixture,
  type SignalingFixture,
  startJanus,
  startSignaling,
  type TestClient,
  waitUntil,
} from '@spreed-ts/testkit';
import { joinAsPeer } from '../../sfu/helpers/join-peer.js';
import { roomsWithSfu } from '../../sfu/helpers/rooms-with-sfu.js';
import type { SfuPeer } from '../../sfu/helpers/sfu-peer.js';
import { GO_PROXY, type ProxyLauncher, type ProxyProcess, startProxy } from './go-proxy.js';

/** The token id the server signs its proxy hellos with. */
export const TOKEN_ID = 'server1';

/** An RSA key pair as PEM (private PKCS#8, public SPKI), as upstream's docs generate them. */
export function rsaKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

/** Options of {@link startProxyEnv}. */
export interface ProxyEnvOptions {
  /** Number of proxies, each with its own Janus (default 1). */
  proxies?: number;
  /** Which proxy program runs (default Debian's Go proxy). */
  launcher?: ProxyLauncher;
  /** `[app] country` of each proxy, by index. */
  countries?: (string | undefined)[];
  /** URLs the server uses besides the proxies' (fake proxies of a test). */
  extraUrls?: string[];
  /** `[mcu] proxytimeout` in seconds (default 2). */
  proxyTimeoutSeconds?: number;
  /** More server.conf text (e.g. `[geoip-overrides]`). */
  extraConfig?: string;
  /**
   * `urltype = etcd`: the server watches `keyPrefix` in the etcd at `endpoint` and `[mcu] url` is
   * not set (the test announces the proxies in etcd).
   */
  etcd?: { endpoint: string; keyPrefix: string };
}

/** The server's log lines containing every one of `parts`. */
export function logLines(env: ProxyEnv, ...parts: string[]): string[] {
  return env.log.filter((line) => parts.every((part) => line.includes(part)));
}

/** Janus instances, proxies in front of them, a development backend and our server. */
export interface ProxyEnv extends AsyncDisposable {
  janus: JanusFixture[];
  proxies: ProxyProcess[];
  dev: DevBackend;
  sig: SignalingFixture;
  feature: SfuFeature;
  /** The folder with the server's key (and anything a test writes). */
  dir: string;
  keys: { privateKey: string; publicKey: string };
  /** The server's log lines so far (info and up). */
  log: string[];
  /** Resolves once `count` proxies are connected to the server. */
  proxiesConnected(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the server's SFU is (or is not) connected. */
  sfuConnected(connected: boolean, timeoutMs?: number): Promise<void>;
  /** A participant of `token` that said hello, joined the room and the call. */
  peer(token: string, userId: string): Promise<SfuPeer>;
  /**
   * Waits (up to `timeoutMs`, default 10 s) until `peer` receives a participants event listing
   * its own session in the call.
   */
  seesItselfInCall(peer: SfuPeer, timeoutMs?: number): Promise<void>;
}

/** Starts everything; dispose it to stop the proxies and Janus (by PID), the server and peers. */
export async function startProxyEnv(options: ProxyEnvOptions = {}): Promise<ProxyEnv> {
  const count = options.proxies ?? 1;
  const launcher = options.launcher ?? GO_PROXY;
  const dir = await mkdtemp(join(tmpdir(), 'spreed-mcu-proxy-'));
  const keys = rsaKeyPair();
  const keyFile = join(dir, 'proxy-token.pem');
  await writeFile(keyFile, keys.privateKey);
  const janus: JanusFixture[] = [];
  const proxies: ProxyProcess[] = [];
  const dev = new DevBackend();
  const peers: SfuPeer[] = [];
  const clients: TestClient[] = [];
  let sig: SignalingFixture | undefined;
  const log: string[] = [];
  const cleanup = async () => {
    for (const peer of peers) {
      peer.close();
    }
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await sig?.close();
    await dev.close();
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(janus.map((j) => j.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    janus.push(...(await Promise.all(Array.from({ length: count }, () => startJanus()))));
    for (let i = 0; i < count; i++) {
      const country = options.countries?.[i];
      proxies.push(
        await startProxy({
          launcher,
          janusUrl: (janus[i] as JanusFixture).url,
          tokens: { [TOKEN_ID]: keys.publicKey },
          ...(country === undefined ? {} : { country }),
        }),
      );
    }
    await dev.start();
    const layers = roomsWithSfu();
    const urls = [...proxies.map((p) => p.url), ...(options.extraUrls ?? [])];
    sig = await startSignaling({
      logger: createLogger('info', (line) => {
        log.push(line);
      }),
      backends: [{ url: dev.url, secret: dev.secret }],
      extraConfig: [
        '[mcu]',
        'type = proxy',
        ...(options.etcd === undefined
          ? [`url = ${urls.join(' ')}`]
          : ['urltype = etcd', `keyprefix = ${options.etcd.keyPrefix}`]),
        `token_id = ${TOKEN_ID}`,
        `token_key = ${keyFile}`,
        `proxytimeout = ${options.proxyTimeoutSeconds ?? 2}`,
        'timeout = 5',
        ...(options.etcd === undefined ? [] : ['[etcd]', `endpoints = ${options.etcd.endpoint}`]),
        options.extraConfig ?? '',
      ].join('\n'),
      setup: layers.setup,
    });
    dev.setSignalingUrl(sig.httpUrl);
    const fixture = sig;
    const env: ProxyEnv = {
      janus,
      proxies,
      dev,
      sig: fixture,
      feature: layers.feature(),
      dir,
      keys,
      log,
      proxiesConnected: (n, timeoutMs = 15_000) =>
        waitUntil(
          () => {
            const info = fixture.server.sfu.serverInfo?.() as
              | { proxies?: { connected: boolean }[] }
              | undefined;
            return (info?.proxies ?? []).filter((p) => p.connected).length === n;
          },
          timeoutMs,
          `${n} proxies connected`,
        ),
      sfuConnected: (connected, timeoutMs = 15_000) =>
        waitUntil(
          () => fixture.server.sfu.connected === connected,
          timeoutMs,
          `sfu connected = ${connected}`,
        ),
      async peer(token, userId) {
        const talk = dev.joinRoom(token, { userId });
        const client = await fixture.connect();
        clients.push(client);
        const peer = await joinAsPeer(client, dev, token, userId, talk.sessionId);
        peers.push(peer);
        dev.setInCall(talk.sessionId, 7);
        await env.seesItselfInCall(peer);
        return peer;
      },
      async seesItselfInCall(peer, timeoutMs = 10_000) {
        await peer.client.next((f) => {
          const event = f.event as
            | { target?: string; update?: { users?: { sessionId?: string; inCall?: number }[] } }
            | undefined;
          return (
            f.type === 'event' &&
            event?.target === 'participants' &&
            (event.update?.users ?? []).some(
              (u) => u.sessionId === peer.sessionId && ((u.inCall ?? 0) & 1) === 1,
            )
          );
        }, timeoutMs);
      },
      [Symbol.asyncDispose]: cleanup,
    };
    return env;
  } catch (err) {
    await cleanup();
    throw err;
  }
}
