import type { DevBackend } from '@spreed-ts/devbackend';
import { calculateChecksum, randomHex } from '@spreed-ts/protocol';
import type { Frame, TestClient } from '@spreed-ts/testkit';

/** A connected client with its session. */
export interface SignedIn {
  client: TestClient;
  /** Public session id. */
  sessionId: string;
  /** Resume id. */
  resumeId: string;
}

/** A client in a room, with its Talk session id. */
export interface InRoom extends SignedIn {
  talkSessionId: string;
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

/** A hello v1 as Talk's web client sends it: the ticket of `userId` (null: a guest). */
export function ticketHello(
  dev: DevBackend,
  userId: string | null,
  features: string[] = [],
): Record<string, unknown> {
  const params: Record<string, unknown> = { ticket: dev.ticketFor(userId) };
  if (userId !== null) {
    params.userid = userId;
  }
  return { type: 'hello', hello: { version: '1.0', features, auth: { url: dev.url, params } } };
}

/** Sends `hello` on `client` and returns the session; throws when the server refuses. */
export async function signIn(
  client: TestClient,
  hello: Record<string, unknown>,
): Promise<SignedIn> {
  client.send(hello);
  const reply = await client.next((f) => f.type === 'hello' || f.type === 'error');
  if (reply.type !== 'hello') {
    throw new Error(`hello failed: ${JSON.stringify(reply)}`);
  }
  const body = reply.hello as { sessionid: string; resumeid: string };
  return { client, sessionId: body.sessionid, resumeId: body.resumeid };
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

/**
 * The whole Talk-side join: a Talk session for `userId` (null: guest), hello through `signInAs`,
 * the signaling room join, and the own join event consumed.
 */
export async function joinAsTalkParticipant(
  dev: DevBackend,
  token: string,
  userId: string | null,
  signInAs: (userId: string | null) => Promise<SignedIn>,
): Promise<InRoom> {
  const talk = dev.joinRoom(token, userId === null ? {} : { userId });
  const signedIn = await signInAs(userId);
  const response = await joinRoom(signedIn.client, token, talk.sessionId);
  if (response.type !== 'room') {
    throw new Error(`join failed: ${JSON.stringify(response)}`);
  }
  await signedIn.client.next(
    (f) => isEvent('room', 'join')(f) && joinedIds(f).includes(signedIn.sessionId),
  );
  return { ...signedIn, talkSessionId: talk.sessionId };
}

/** POSTs a backend rooms API request to `httpUrl` as `dev`'s Talk would (checksum and backend). */
export async function postBackendApi(
  httpUrl: string,
  dev: DevBackend,
  roomId: string,
  body: unknown,
): Promise<{ status: number; text: string }> {
  return postBackendApiText(httpUrl, dev, roomId, JSON.stringify(body));
}

/** Like {@link postBackendApi} with the body as text (for bodies that cannot be serialised here). */
export async function postBackendApiText(
  httpUrl: string,
  dev: DevBackend,
  roomId: string,
  text: string,
): Promise<{ status: number; text: string }> {
  const random = randomHex(32);
  const res = await fetch(`${httpUrl}api/v1/room/${encodeURIComponent(roomId)}`, {
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
}
