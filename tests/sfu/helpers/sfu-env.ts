import { DevBackend } from '@spreed-ts/devbackend';
import type { SfuFeature } from '@spreed-ts/server';
import {
  type JanusFixture,
  type SignalingFixture,
  startSignaling,
  type TestClient,
  waitUntil,
} from '@spreed-ts/testkit';
import type { ProxyProcess } from '../../proxy/helpers/go-proxy.js';
import { joinAsPeer } from './join-peer.js';
import { roomsWithSfu } from './rooms-with-sfu.js';
import { type SfuMode, startSfuMcu } from './sfu-mcu.js';
import type { SfuPeer } from './sfu-peer.js';

export { SFU_MODES, type SfuMode } from './sfu-mcu.js';

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
  const mcu = await startSfuMcu(mode);
  const { janus, proxy } = mcu;
  const dev = new DevBackend();
  const peers: SfuPeer[] = [];
  const clients: TestClient[] = [];
  let sig: SignalingFixture | undefined;
  const stopBackends = async () => {
    await dev.close();
    await mcu.stop();
  };
  try {
    await dev.start();
    const layers = roomsWithSfu();
    sig = await startSignaling({
      backends: [{ url: dev.url, secret: dev.secret }],
      extraConfig: [
        '[mcu]',
        ...mcu.mcuConfig,
        `timeout = ${options.mcuTimeoutSeconds ?? 5}`,
        '[app]',
        `allowsubscribeany = ${options.allowSubscribeAny === true}`,
      ].join('\n'),
      setup: layers.setup,
    });
    dev.setSignalingUrl(sig.httpUrl);
    const fixture = sig;
    const env: SfuEnv = {
      mode,
      janus,
      proxy,
      dev,
      sig: fixture,
      feature: layers.feature(),
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
