import {
  ClientError,
  TalkClient,
  type TalkClientOptions,
  type TalkStatus,
} from '@spreed-ts/client';
import { type CreateRoomOptions, DevBackend, type DevBackendOptions } from '@spreed-ts/devbackend';
import { attachSfu, type HubTimings, type Rooms, startRooms } from '@spreed-ts/server';
import { type SignalingFixture, startSignaling } from '@spreed-ts/testkit';
import { type SfuMcu, type SfuMode, startSfuMcu } from '../../sfu/helpers/sfu-mcu.js';

/**
 * Devbackend + our signaling server (rooms enabled; an SFU only with `sfu`) + a public room, all on
 * loopback.
 */
export interface TalkEnv extends AsyncDisposable {
  dev: DevBackend;
  sig: SignalingFixture;
  rooms: Rooms;
  /** Janus (and in `proxy` mode the signaling proxy in front of it), when started with `sfu`. */
  mcu: SfuMcu | undefined;
  /** Token and page URL of a public room created at start. */
  token: string;
  roomUrl: string;
  /** Creates another conversation; returns its page URL. */
  createRoom(options?: CreateRoomOptions): { token: string; url: string };
  /** Joins with the SDK (short timeouts); the client is left at the end of the test. */
  join(options?: TalkClientOptions, url?: string): Promise<TalkClient>;
}

/** Test defaults: fast retries, so a failing test fails in seconds. */
export const FAST: TalkClientOptions = {
  timeouts: { callRegistration: 5000, mediaRetry: 2000, signalingRequest: 5000 },
  backoff: { initialMs: 100, maxMs: 1000 },
};

/** Options of {@link startTalkEnv}. */
export interface TalkEnvOptions {
  /** Server timer overrides (e.g. a short session expiry). */
  timings?: Partial<HubTimings>;
  /**
   * Start Janus and give the server the SFU (see `sfuMode`). Janus needs the test network
   * namespace (`runInTestNetns`), see packages/testkit/src/netns.ts.
   */
  sfu?: boolean;
  /**
   * With `sfu`: the server talks to Janus directly (`janus`, the default) or through our signaling
   * proxy in front of it (`proxy`, `[mcu] type = proxy`).
   */
  sfuMode?: SfuMode;
}

export async function startTalkEnv(
  dev: DevBackendOptions = {},
  options: TalkEnvOptions = {},
): Promise<TalkEnv> {
  const mcu: SfuMcu | undefined =
    options.sfu === true ? await startSfuMcu(options.sfuMode ?? 'janus') : undefined;
  const backend = new DevBackend(dev);
  let rooms: Rooms | undefined;
  let sig: SignalingFixture | undefined;
  try {
    await backend.start();
    sig = await startSignaling({
      backends: [{ url: backend.url, secret: backend.secret }],
      timings: options.timings ?? {},
      ...(mcu === undefined
        ? {}
        : { extraConfig: ['[mcu]', ...mcu.mcuConfig, 'timeout = 5', ''].join('\n') }),
      setup: (server) => {
        const started = startRooms(server, { pingIntervalMs: 60_000 });
        rooms = started;
        const sfu = mcu === undefined ? undefined : attachSfu(server, started);
        return {
          close: () => {
            sfu?.close();
            void started.close();
          },
        };
      },
    });
    if (mcu !== undefined) {
      const deadline = Date.now() + 15_000;
      while (!sig.server.sfu.connected) {
        if (Date.now() > deadline) {
          throw new Error(`the signaling server did not connect to the SFU (${mcu.mode})`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } catch (error) {
    // Whatever started is stopped again (the SFU by PID), so a failed start leaks nothing.
    await sig?.close();
    await backend.close().catch(() => undefined);
    await mcu?.stop();
    throw error;
  }
  const fixture = sig;
  backend.setSignalingUrl(fixture.httpUrl);
  const clients: TalkClient[] = [];
  const createRoom = (options: CreateRoomOptions = {}) => {
    const room = backend.createRoom({ name: 'Test room', ...options });
    return { token: room.token, url: `${backend.url}call/${room.token}` };
  };
  const first = createRoom();
  return {
    dev: backend,
    sig: fixture,
    rooms: rooms as Rooms,
    mcu,
    token: first.token,
    roomUrl: first.url,
    createRoom,
    async join(options = {}, url = first.url) {
      const client = await TalkClient.join(url, { ...FAST, ...options });
      clients.push(client);
      return client;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((c) => c.leave()));
      await fixture.close();
      await backend.close();
      await mcu?.stop();
    },
  };
}

/** Resolves with the first status of `type` from `client` (rejects after `timeoutMs`). */
export function nextStatus<T extends TalkStatus['type']>(
  client: TalkClient,
  type: T,
  timeoutMs = 10_000,
  predicate: (status: Extract<TalkStatus, { type: T }>) => boolean = () => true,
): Promise<Extract<TalkStatus, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('status', onStatus);
      reject(ClientError.timeout(`status ${type}`, timeoutMs));
    }, timeoutMs);
    const onStatus = (status: TalkStatus): void => {
      if (status.type === type && predicate(status as Extract<TalkStatus, { type: T }>)) {
        clearTimeout(timer);
        client.off('status', onStatus);
        resolve(status as Extract<TalkStatus, { type: T }>);
      }
    };
    client.on('status', onStatus);
  });
}
