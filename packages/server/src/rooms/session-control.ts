import type { ClientSession } from '../hub/client-session.js';

/**
 * What the rooms feature needs from the session registry (the hub): lookups, the anonymous-join
 * timer and closing sessions. Kept as an interface so rooms never import the hub.
 */
export interface SessionControl {
  /** A live session by public id. */
  session(publicId: string): ClientSession | undefined;
  /** Live sessions of a user (by authenticated user id) on a backend. */
  sessionsOfUser(backendId: string, userId: string): ReadonlySet<ClientSession>;
  /** All live sessions. */
  readonly sessions: ReadonlyMap<string, ClientSession>;
  /** Restarts the "anonymous session must join a room" timer. */
  startAnonymousTimer(session: ClientSession): void;
  /** Stops that timer (the session joined a room). */
  stopAnonymousTimer(session: ClientSession): void;
  /** Ends a session (its `closed` callback then runs), optionally with a `bye` reason. */
  closeSession(session: ClientSession, why: string, byeReason?: string): void;
}
