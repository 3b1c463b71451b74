import { DevBackend, type DevBackendOptions } from '@spreed-ts/devbackend';
import { type HubTimings, type RoomsTuning, startRooms } from '@spreed-ts/server';
import {
  type Frame,
  type SignalingFixture,
  startSignaling,
  type TestClient,
} from '@spreed-ts/testkit';
import {
  type InRoom,
  isEvent,
  joinAsTalkParticipant,
  joinedIds,
  postBackendApi,
  type SignedIn,
  signIn,
  ticketHello,
} from './talk-steps.js';

export { type InRoom, isEvent, joinedIds, joinRoom, type SignedIn } from './talk-steps.js';

/** A signaling server with the rooms feature, wired to a development Talk backend. */
export interface RoomsEnv extends AsyncDisposable {
  dev: DevBackend;
  sig: SignalingFixture;
  /** A client that said hello v1 as `userId` (null: guest); `sessionId` is its public id. */
  hello(userId: string | null, features?: string[]): Promise<SignedIn>;
  /** An internal client that said hello. */
  internal(features?: string[]): Promise<SignedIn>;
  /** Posts a backend API request as Talk would; returns status and body text. */
  backendApi(roomId: string, body: unknown): Promise<{ status: number; text: string }>;
}

/** Options of {@link startRoomsEnv}. */
export interface RoomsEnvOptions {
  dev?: DevBackendOptions;
  /** Extra lines for the backend section of server.conf (e.g. `maxstreambitrate = 100`). */
  backendExtra?: string;
  timings?: Partial<HubTimings>;
  tuning?: RoomsTuning;
}

/** Starts a DevBackend and a signaling server (rooms enabled) that know each other. */
export async function startRoomsEnv(options: RoomsEnvOptions = {}): Promise<RoomsEnv> {
  const dev = new DevBackend(options.dev ?? {});
  await dev.start();
  let sig: SignalingFixture;
  try {
    sig = await startSignaling({
      backends: [{ url: dev.url, secret: dev.secret, extra: options.backendExtra ?? '' }],
      timings: options.timings ?? {},
      setup: (server) => startRooms(server, options.tuning ?? {}),
    });
  } catch (err) {
    await dev.close();
    throw err;
  }
  dev.setSignalingUrl(sig.httpUrl);
  const clients: TestClient[] = [];
  const connectAndSignIn = async (hello: Record<string, unknown>): Promise<SignedIn> => {
    const client = await sig.connect();
    clients.push(client);
    return signIn(client, hello);
  };
  const env: RoomsEnv = {
    dev,
    sig,
    hello(userId, features = []) {
      return connectAndSignIn(ticketHello(dev, userId, features));
    },
    internal(features = []) {
      return connectAndSignIn(sig.internalHello(dev.url, features));
    },
    backendApi(roomId, body) {
      return postBackendApi(sig.httpUrl, dev, roomId, body);
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((c) => c.close()));
      await sig.close();
      await dev.close();
    },
  };
  return env;
}

/**
 * Creates a Talk session for `userId` (null: guest), says hello, joins `token` and consumes the own
 * join event.
 */
export async function joinedClient(
  env: RoomsEnv,
  token: string,
  userId: string | null,
  features: string[] = [],
): Promise<InRoom> {
  return joinAsTalkParticipant(env.dev, token, userId, (id) => env.hello(id, features));
}

/** Waits until `client` has seen `sessionId` join. */
export function seesJoin(client: TestClient, sessionId: string): Promise<Frame> {
  return client.next((f) => isEvent('room', 'join')(f) && joinedIds(f).includes(sessionId));
}

/** Waits until the devbackend delivered its notifications, then drops what clients got so far. */
export async function settle(env: RoomsEnv, ...clients: TestClient[]): Promise<void> {
  await env.dev.flushNotifications();
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const client of clients) {
    while (client.buffered.length > 0) {
      await client.next(undefined, 10);
    }
  }
}

/** Talk grants `permissions` to the given members of `roomId` (a `participants` update). */
export async function grantPermissions(
  env: RoomsEnv,
  roomId: string,
  members: readonly InRoom[],
  permissions: readonly string[],
): Promise<void> {
  const changed = members.map((m) => ({ sessionId: m.talkSessionId, permissions }));
  const reply = await env.backendApi(roomId, { type: 'participants', participants: { changed } });
  if (reply.status !== 200) {
    throw new Error(`participants update failed: ${reply.status} ${reply.text}`);
  }
}
