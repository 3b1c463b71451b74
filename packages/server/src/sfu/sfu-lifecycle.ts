import type { ClientSession } from '../hub/client-session.js';
import type { Logger } from '../logger.js';
import { publishersToClose } from './permissions.js';
import type { CallState, SessionMedia } from './session-media.js';

/**
 * What the SFU needs to know about sessions from the rooms feature. The SFU never imports rooms;
 * the composition root adapts the room manager to this.
 */
export interface SfuRoomsView {
  /** Whether the session holds `permission` (sessions that never got a list hold almost all). */
  hasPermission(session: ClientSession, permission: string): boolean;
  /**
   * Upstream's isInSameCall with the reason spelled out: undefined when `sender` may subscribe to
   * `recipientId`, else `sender not in call`, `recipient unknown` or `recipient not in call`.
   */
  whyNotInSameCall(sender: ClientSession, recipientId: string): string | undefined;
  /** The session's room (backend and id) and whether it is in that room's call. */
  callState(session: ClientSession): CallState;
  /** The user id others see for the session (may come from the room join), or ''. */
  userId(session: ClientSession): string;
  /**
   * The connected-or-resumable client session that receives messages for `publicId` (the owning
   * internal client for a virtual session), or undefined when unknown.
   */
  recipient(publicId: string): ClientSession | undefined;
}

/** Hooks the rooms side calls (or that are derived from what it did). */
export interface SfuLifecycle {
  /**
   * Room or call state or permissions may have changed for some sessions: sessions that left
   * their call or room lose their publishers and subscribers; publishers the session may no longer
   * send are closed.
   */
  reconcile(): void;
  /** The session ends for good: everything it had in the SFU is closed. */
  sessionClosed(session: ClientSession): void;
}

/**
 * Owns the {@link SessionMedia} of each session that has SFU objects and keeps them in step with
 * the rooms state. Upstream releases a session's objects when Talk reports it out of the call,
 * when it leaves the room and when it closes, and closes publishers after permission changes;
 * here the same happens by comparing each session's state with what it was when last seen.
 */
export class SfuSessionLifecycle implements SfuLifecycle {
  readonly #view: SfuRoomsView;
  readonly #logger: Logger;
  readonly #make: (session: ClientSession) => SessionMedia;
  readonly #media = new Map<ClientSession, SessionMedia>();

  constructor(view: SfuRoomsView, logger: Logger, make: (session: ClientSession) => SessionMedia) {
    this.#view = view;
    this.#logger = logger;
    this.#make = make;
  }

  /** The session's SFU objects, created on first use (remembers the call state of that moment). */
  media(session: ClientSession): SessionMedia {
    let media = this.#media.get(session);
    if (media === undefined) {
      media = this.#make(session);
      this.#media.set(session, media);
    }
    media.callState ??= this.#view.callState(session);
    return media;
  }

  /** The session's SFU objects if it has any. */
  existing(session: ClientSession): SessionMedia | undefined {
    return this.#media.get(session);
  }

  /** Sessions with SFU state (tests). */
  get size(): number {
    return this.#media.size;
  }

  reconcile(): void {
    for (const [session, media] of [...this.#media]) {
      if (session.closed) {
        this.sessionClosed(session);
        continue;
      }
      const now = this.#view.callState(session);
      const before = media.callState;
      if (before !== undefined) {
        if (before.room !== undefined && now.room !== before.room) {
          media.release('left the room');
        } else if (before.inCall && !now.inCall) {
          media.release('left the call');
        }
      }
      const has = (p: string) => this.#view.hasPermission(session, p);
      for (const streamType of publishersToClose(media.publishers, has)) {
        media.closePublisher(streamType, 'permission withdrawn');
      }
      if (media.empty) {
        this.#media.delete(session);
      } else {
        media.callState = now;
      }
    }
  }

  sessionClosed(session: ClientSession): void {
    const media = this.#media.get(session);
    if (media === undefined) {
      return;
    }
    this.#media.delete(session);
    media.release('session closed');
    this.#logger.debug('sfu state of session dropped', { session: session.publicId });
  }
}
