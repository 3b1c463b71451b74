import { ClientFeatures, InCallFlags, Permissions, type ServerMessage } from '@spreed-ts/protocol';
import type { ClientSession } from '../hub/client-session.js';
import type { Room } from './room.js';
import type { VirtualSession } from './virtual-session.js';

/** How a queued frame may be collapsed while its session is disconnected. */
export type SendKind = NonNullable<Parameters<ClientSession['sendText']>[1]>;

/**
 * The room side of one {@link ClientSession} (client, federation or internal): which room it is in,
 * its Talk session id, its permissions, and the per-receiver state upstream keeps to filter events
 * (joins already seen, last flags seen). The hub owns the session; the rooms feature owns this.
 */
export class Participant {
  readonly kind = 'session';
  readonly session: ClientSession;
  /** The room the session is in. */
  room: Room | undefined;
  /** Talk session id given when joining (empty if none). */
  roomSessionId = '';
  /** When the session joined its room ({@link eventTime} clock); 0 when in no room. */
  joinTime = 0;
  /** In-call flags; only meaningful for internal clients (Talk reports the others). */
  inCall: number;
  /** Whether the session ever joined a room (a dial-out capable client is then no longer used). */
  everJoined = false;
  /** Join events already delivered, by public id. */
  readonly seenJoins = new Set<string>();
  /** Last participants `flags` value delivered, by public id. */
  readonly seenFlags = new Map<string, number>();
  /** Virtual sessions this internal client created, by the id the client chose. */
  readonly virtuals = new Map<string, VirtualSession>();
  /** Permissions received from Talk; undefined while none were ever received ("old-style"). */
  #permissions: ReadonlySet<string> | undefined;

  constructor(session: ClientSession) {
    this.session = session;
    this.inCall =
      session.clientType === 'internal' && !session.features.has(ClientFeatures.internalInCall)
        ? InCallFlags.inCall | InCallFlags.withAudio
        : 0;
  }

  get publicId(): string {
    return this.session.publicId;
  }

  get isInternal(): boolean {
    return this.session.clientType === 'internal';
  }

  get isFederated(): boolean {
    return this.session.clientType === 'federation';
  }

  /** The user id others see: the authenticated one, else the one Talk gave in the room join. */
  get userId(): string {
    if (this.session.userId !== '') {
      return this.session.userId;
    }
    return this.room?.sessionData(this.publicId) ?? '';
  }

  /**
   * Whether the session holds `permission`. Sessions that never received a list from Talk have
   * every permission except `hide-displaynames` (upstream's defaults for old-style sessions).
   */
  hasPermission(permission: string): boolean {
    if (this.#permissions === undefined) {
      return permission !== Permissions.hideDisplayNames;
    }
    return this.#permissions.has(permission);
  }

  /** Replaces the permissions with exactly `permissions`. */
  setPermissions(permissions: readonly string[]): void {
    this.#permissions = new Set(permissions);
  }

  /** The permissions, or undefined for an old-style session. */
  get permissions(): readonly string[] | undefined {
    return this.#permissions === undefined ? undefined : [...this.#permissions];
  }

  /** Sets or clears the room and resets the per-room event filters. */
  setRoom(room: Room | undefined, joinTime: number): void {
    this.room = room;
    this.joinTime = room === undefined ? 0 : joinTime;
    if (room !== undefined) {
      this.everJoined = true;
    }
    this.seenJoins.clear();
    this.seenFlags.clear();
  }

  /** Sends a serialised frame (queued while the session is disconnected). */
  sendText(text: string, kind: SendKind = 'other'): void {
    this.session.sendText(text, kind);
  }

  /** Sends a frame. */
  send(message: ServerMessage): void {
    this.session.send(message);
  }

  /** Whether the session is connected right now. */
  get connected(): boolean {
    return this.session.connection?.isOpen === true;
  }
}

/**
 * Timestamps for the "event older than the receiver's join" rule, in fractional milliseconds with
 * microsecond resolution (upstream compares at that precision).
 */
export function eventTime(): number {
  return performance.timeOrigin + performance.now();
}
