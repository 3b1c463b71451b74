import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevBackend } from '@spreed-ts/devbackend';
import { attachSfu, type Rooms, type SfuFeature, startRooms } from '@spreed-ts/server';
import {
  type JanusFixture,
  type SignalingFixture,
  startJanus,
  startSignaling,
  type TestClient,
  waitUntil,
} from '@spreed-ts/testkit';
import { OUR_PROXY, type ProxyProcess, startProxy } from '../../proxy/helpers/go-proxy.js';
import { rsaKeyPair, TOKEN_ID } from '../../proxy/helpers/proxy-env.js';
import { joinAsPeer } from './join-peer.js';
import type { SfuPeer } from './sfu-peer.js';

/**
 * How the server reaches Janus: `janus` talks to it directly (`[mcu] type = janus`), `proxy` goes
 * through our signaling proxy (`bin/proxy`) in front of the same kind of Janus
 * (`[mcu] type = proxy`, static token keys).
 */
export type SfuMode = 'janus' | 'proxy';

/** Both modes, for test files that run their tests against each. */
export const SFU_MODES: readonly SfuMode[] = ['janus', 'proxy'];

/** The counts both SFU implementations keep for tests. */
interface CountingSfu {
  readonly counts: { publishers: number; subscribers: number };
}

/** Options of {@link startSfuEnv}. */
export interface SfuEnvOptions {
  /** Direct Janus (default) or our proxy in front of it. */
  mode?: SfuMode;
  /** `[app] allowsubscribeany`. */
  allowSubscribeAny?: boolean;
  /** `[mcu] timeout` in seconds (default 5). */
  mcuTimeoutSeconds?: number;
}

/** Janus, a development Talk backend and a signaling server with rooms and the SFU. */
export interface SfuEnv extends AsyncDisposable {
  readonly mode: SfuMode;
  janus: JanusFixture;
  /** The proxy between the server and Janus (mode `proxy` only). */
  proxy: ProxyProcess | undefined;
  dev: DevBackend;
  sig: SignalingFixture;
  feature: SfuFeature;
  /** Resolves once the server's SFU connection is (or is not) up. */
  sfuConnected(connected: boolean, timeoutMs?: number): Promise<void>;
  /** Live publishers and subscribers of the server's SFU (either mode). */
  counts(): { publishers: number; subscribers: number };
  /**
   * A participant of `token` (user or guest) that said hello, joined the room and — unless
   * `inCall` is 0 — joined the call with those flags (default audio + video).
   */
  peer(token: string, userId: string | null, options?: { inCall?: number }): Promise<SfuPeer>;
  /** Waits until `peer` has seen the participants update listing `sessionId` in the call. */
  seesInCall(peer: SfuPeer, sessionId: string): Promise<void>;
}

/** Starts everything; dispose it to stop Janus (by PID), the servers and the peers. */
export async function startSfuEnv(options: SfuEnvOptions = {}): Promise<SfuEnv> {
  const mode = options.mode ?? 'janus';
  const janus = await startJanus();
  const dev = new DevBackend();
  const peers: SfuPeer[] = [];
  const clients: TestClient[] = [];
  let sig: SignalingFixture | undefined;
  let proxy: ProxyProcess | undefined;
  let dir: string | undefined;
  const stopBackends = async () => {
    await dev.close();
    await proxy?.stop();
    await janus.stop();
    if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    let mcuConfig = ['type = janus', `url = ${janus.url}`];
    if (mode === 'proxy') {
      dir = await mkdtemp(join(tmpdir(), 'spreed-sfu-proxy-'));
      const keys = rsaKeyPair();
      const keyFile = join(dir, 'proxy-token.pem');
      await writeFile(keyFile, keys.privateKey);
      proxy = await startProxy({
        launcher: OUR_PROXY,
        janusUrl: janus.url,
        tokens: { [TOKEN_ID]: keys.publicKey },
      });
      mcuConfig = [
        'type = proxy',
        `url = ${proxy.url}`,
        `token_id = ${TOKEN_ID}`,
        `token_key = ${keyFile}`,
        'proxytimeout = 2',
      ];
    }
    await dev.start();
    let rooms: Rooms | undefined;
    let feature: SfuFeature | undefined;
    sig = await startSignaling({
      backends: [{ url: dev.url, secret: dev.secret }],
      extraConfig: [
        '[mcu]',
        ...mcuConfig,
        `timeout = ${options.mcuTimeoutSeconds ?? 5}`,
        '[app]',
        `allowsubscribeany = ${options.allowSubscribeAny === true}`,
      ].join('\n'),
      setup: (server) => {
        rooms = startRooms(server);
        feature = attachSfu(server, rooms);
        return {
          close: () => {
            feature?.close();
            void rooms?.close();
          },
        };
      },
    });
    dev.setSignalingUrl(sig.httpUrl);
    const fixture = sig;
    const env: SfuEnv = {
      mode,
      janus,
      proxy,
      dev,
      sig: fixture,
      feature: feature as unknown as SfuFeature,
      sfuConnected: (connected, timeoutMs = 15_000) =>
        waitUntil(
          () => fixture.server.sfu.connected === connected,
          timeoutMs,
          `sfu connected = ${connected}`,
        ),
      counts: () => (fixture.server.sfu as unknown as CountingSfu).counts,
      async peer(token, userId, peerOptions = {}) {
        const talk = dev.joinRoom(token, userId === null ? {} : { userId });
        const client = await fixture.connect();
        clients.push(client);
        const peer = await joinAsPeer(client, dev, token, userId, talk.sessionId);
        peers.push(peer);
        const inCall = peerOptions.inCall ?? 7;
        if (inCall !== 0) {
          dev.setInCall(talk.sessionId, inCall);
          await env.seesInCall(peer, peer.sessionId);
        }
        return peer;
      },
      async seesInCall(peer, sessionId) {
        await peer.client.next((f) => {
          if (f.type !== 'event') {
            return false;
          }
          const event = f.event as {
            target?: string;
            type?: string;
            update?: { users?: Array<{ sessionId?: string; inCall?: number }> };
          };
          return (
            event.target === 'participants' &&
            event.type === 'update' &&
            (event.update?.users ?? []).some(
              (u) => u.sessionId === sessionId && ((u.inCall ?? 0) & 1) === 1,
            )
          );
        }, 10_000);
      },
      async [Symbol.asyncDispose]() {
        for (const peer of peers) {
          peer.close();
        }
        await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
        await fixture.close();
        await stopBackends();
      },
    };
    await env.sfuConnected(true);
    return env;
  } catch (err) {
    await sig?.close();
    await stopBackends();
    throw err;
  }
}
