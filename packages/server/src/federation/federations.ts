import { type ClientMessage, ErrorCodes, type RoomRequest } from '@spreed-ts/protocol';
import type { ClientSession } from '../hub/client-session.js';
import type { Logger } from '../logger.js';
import { FederationConnectError } from './errors.js';
import type { FederationClient, FederationSettings } from './federation-client.js';

type FederatedRequest = RoomRequest & { federation: NonNullable<RoomRequest['federation']> };

/** Whether a `room` request targets another signaling server. */
export function isFederatedRequest(request: RoomRequest): request is FederatedRequest {
  return request.federation !== undefined && request.roomid !== '';
}

/**
 * The proxied connections of local sessions to rooms on other signaling servers, one per session
 * (upstream's federation branch of processRoom and the proxying of processMessage).
 */
export class Federations {
  readonly #settings: FederationSettings;
  readonly #logger: Logger;
  readonly #clients = new Map<string, FederationClient>();

  constructor(settings: FederationSettings, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger;
  }

  /** Whether `session` is in a room of another server. */
  has(session: ClientSession): boolean {
    return this.#clients.has(session.publicId);
  }

  /** Joins a remote room, reusing the connection to the same server. */
  async join(
    session: ClientSession,
    id: string | undefined,
    request: FederatedRequest,
  ): Promise<void> {
    const existing = this.#clients.get(session.publicId);
    if (existing?.canReuse(request.federation)) {
      existing.changeRoom(id, request);
      return;
    }
    existing?.close();
    let client: FederationClient;
    try {
      // Loaded on the first federated join: it brings the `ws` package with it.
      const { FederationClient } = await import('./federation-client.js');
      client = await FederationClient.open(
        session,
        id,
        request,
        this.#settings,
        this.#logger,
        (c) => {
          if (this.#clients.get(session.publicId) === c) {
            this.#clients.delete(session.publicId);
          }
        },
      );
    } catch (err) {
      const failure =
        err instanceof FederationConnectError
          ? err
          : new FederationConnectError(ErrorCodes.federationError, (err as Error).message);
      this.#logger.info('could not create federation client', {
        session: session.publicId,
        url: request.federation.signaling,
        error: failure.details?.message ?? failure.message,
      });
      const error: Record<string, unknown> = { code: failure.code, message: failure.message };
      if (failure.details !== undefined) {
        error.details = failure.details;
      }
      session.sendText(
        JSON.stringify(id === undefined ? { type: 'error', error } : { id, type: 'error', error }),
      );
      return;
    }
    if (session.closed) {
      client.close();
      return;
    }
    this.#clients.set(session.publicId, client);
  }

  /** Passes a client frame on when the session is federated; false if it is not. */
  proxy(session: ClientSession, message: ClientMessage): boolean {
    const client = this.#clients.get(session.publicId);
    if (client === undefined) {
      return false;
    }
    client.proxy(message);
    return true;
  }

  /** An explicit leave (`roomid` empty) of a federated session; false if it is not federated. */
  leave(session: ClientSession, id: string | undefined): boolean {
    const client = this.#clients.get(session.publicId);
    if (client === undefined) {
      return false;
    }
    client.leave(id);
    return true;
  }

  /** Closes the proxied connection of `session` (it joined a local room or went away). */
  close(session: ClientSession): void {
    this.#clients.get(session.publicId)?.close();
  }

  /** Closes every proxied connection (shutdown). */
  closeAll(): void {
    for (const client of [...this.#clients.values()]) {
      client.close();
    }
  }
}
