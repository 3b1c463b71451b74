import { DevBackend, type DevBackendOptions } from '@spreed-ts/devbackend';
import { calculateChecksum } from '@spreed-ts/protocol';
import { type HubTimings, type RoomsTuning, startRooms } from '@spreed-ts/server';
import {
  type Frame,
  type SignalingFixture,
  startSignaling,
  type TestClient,
} from '@spreed-ts/testkit';

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

/** A connected client with its session. */
export interface SignedIn {
  client: TestClient;
  /** Public session id. */
  sessionId: string;
  /** Resume id. */
  resumeId: string;
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
  const signIn = async (hello: Record<string, unknown>): Promise<SignedIn> => {
    const client = await sig.connect();
    clients.push(client);
    client.send(hello);
    const reply = await client.next((f) => f.type === 'hello' || f.type === 'error');
    if (reply.type !== 'hello') {
      throw new Error(`hello failed: ${JSON.stringify(reply)}`);
    }
    const body = reply.hello as { sessionid: string; resumeid: string };
    return { client, sessionId: body.sessionid, resumeId: body.resumeid };
  };
  const env: RoomsEnv = {
    dev,
    sig,
    hello(userId, features = []) {
      const params: Record<string, unknown> = { ticket: dev.ticketFor(userId) };
      if (userId !== null) {
        params.userid = userId;
      }
      return signIn({
        type: 'hello',
        hello: { version: '1.0', features, auth: { url: dev.url, params } },
      });
    },
    internal(features = []) {
      return signIn(sig.internalHello(dev.url, features));
    },
    async backendApi(roomId, body) {
      const text = JSON.stringify(body);
      const random = 'x'.repeat(64);
      const res = await fetch(`${sig.httpUrl}api/v1/room/${encodeURIComponent(roomId)}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Spreed-Signaling-Random': random,
          'Spreed-Signaling-Checksum': calculateChecksum(random, text, dev.secret),
          'Spreed-Signaling-Backend': dev.url,
        },
        body: text,
      });
      return { status: res.status, text: await res.text() };
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((c) => c.close()));
      await sig.close();
      await dev.close();
    },
  };
  return env;
}

/** Matches `event` frames of a target and type. */
export const isEvent =
  (target: string, type: string) =>
  (frame: Frame): boolean =>
    frame.type === 'event' &&
    (frame.event as { target?: string; type?: string }).target === target &&
    (frame.event as { type?: string }).type === type;

/** The join entries of a `join` event frame. */
export function joinedIds(frame: Frame): string[] {
  return (frame.event as { join: Array<{ sessionid: string }> }).join.map((e) => e.sessionid);
}

/** Sends a room join and waits for the response (room or error). */
export async function joinRoom(
  client: TestClient,
  roomid: string,
  sessionid?: string,
): Promise<Frame> {
  const room: Record<string, string> = { roomid };
  if (sessionid !== undefined) {
    room.sessionid = sessionid;
  }
  const id = client.send({ type: 'room', room });
  return client.next((f) => f.id === id && (f.type === 'room' || f.type === 'error'));
}

/** A client in a room, with its Talk session id. */
export interface InRoom extends SignedIn {
  talkSessionId: string;
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
  const talk = env.dev.joinRoom(token, userId === null ? {} : { userId });
  const signedIn = await env.hello(userId, features);
  const response = await joinRoom(signedIn.client, token, talk.sessionId);
  if (response.type !== 'room') {
    throw new Error(`join failed: ${JSON.stringify(response)}`);
  }
  await signedIn.client.next(
    (f) => isEvent('room', 'join')(f) && joinedIds(f).includes(signedIn.sessionId),
  );
  return { ...signedIn, talkSessionId: talk.sessionId };
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
