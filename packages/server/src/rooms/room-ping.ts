import type { BackendClient } from '../backend/backend-client.js';
import type { Backend } from '../backend/backend-registry.js';
import type { CapabilitiesCache } from '../backend/capabilities.js';
import type { Logger } from '../logger.js';
import type { Room } from './room.js';
import type { RoomRegistry } from './room-registry.js';
import { type Cancel, realScheduler, type Scheduler } from './scheduler.js';
import { type PingEntry, pingRequest } from './talk-requests.js';

/** How often Talk is told which sessions are still there (upstream: 10 s). */
export const ROOM_PING_INTERVAL_MS = 10_000;

/** What the room ping needs. */
export interface RoomPingOptions {
  registry: RoomRegistry;
  backendClient: Pick<BackendClient, 'signalingRequest'>;
  capabilities: Pick<CapabilitiesCache, 'getConfig'>;
  logger: Logger;
  scheduler?: Scheduler;
  intervalMs?: number;
}

/** Ping entries of one Nextcloud, per room. */
interface Group {
  backend: Backend;
  baseUrl: string;
  rooms: Map<string, PingEntry[]>;
}

/** The sessions of `room` Talk should keep alive, grouped by Nextcloud base URL. */
export function pingEntries(room: Room): Map<string, { backend: Backend; entries: PingEntry[] }> {
  const result = new Map<string, { backend: Backend; entries: PingEntry[] }>();
  const add = (backend: Backend, baseUrl: string, entry: PingEntry) => {
    let group = result.get(baseUrl);
    if (group === undefined) {
      group = { backend, entries: [] };
      result.set(baseUrl, group);
    }
    group.entries.push(entry);
  };
  for (const member of room.members.values()) {
    if (member.kind === 'virtual') {
      const owner = member.owner.session;
      add(owner.backend, owner.backendUrl, { sessionid: member.publicId, userid: member.userId });
    } else if (member.roomSessionId !== '') {
      const session = member.session;
      add(session.backend, session.backendUrl, {
        sessionid: member.roomSessionId,
        userid: session.userId,
      });
    }
  }
  return result;
}

/**
 * Keeps Talk's sessions alive (upstream's room ping): every 10 s the Talk session ids of all room
 * members are sent to their Nextcloud, one request per room, or — when Talk announces a
 * `session-ping-limit` — combined across rooms in chunks of at most that many entries.
 */
export class RoomPing {
  readonly #o: RoomPingOptions;
  #cancel: Cancel | undefined;

  constructor(options: RoomPingOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#cancel === undefined) {
      const scheduler = this.#o.scheduler ?? realScheduler;
      this.#cancel = scheduler.every(this.#o.intervalMs ?? ROOM_PING_INTERVAL_MS, () => {
        void this.pingAll();
      });
    }
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Sends one round of pings (the timer calls this). */
  async pingAll(): Promise<void> {
    const groups = new Map<string, Group>();
    for (const room of this.#o.registry.values()) {
      for (const [baseUrl, { backend, entries }] of pingEntries(room)) {
        let group = groups.get(baseUrl);
        if (group === undefined) {
          group = { backend, baseUrl, rooms: new Map() };
          groups.set(baseUrl, group);
        }
        group.rooms.set(room.id, entries);
      }
    }
    await Promise.all([...groups.values()].map((group) => this.#pingGroup(group)));
  }

  async #pingGroup(group: Group): Promise<void> {
    const limit = await this.#limit(group.baseUrl);
    if (limit === undefined) {
      await Promise.all(
        [...group.rooms].map(([roomId, entries]) => this.#send(group, roomId, entries)),
      );
      return;
    }
    const all = [...group.rooms.values()].flat();
    for (let i = 0; i < all.length; i += limit) {
      await this.#send(group, '', all.slice(i, i + limit));
    }
  }

  async #limit(baseUrl: string): Promise<number | undefined> {
    try {
      const { value } = await this.#o.capabilities.getConfig(
        baseUrl,
        'signaling',
        'session-ping-limit',
      );
      return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
        ? value
        : undefined;
    } catch {
      return undefined;
    }
  }

  async #send(group: Group, roomId: string, entries: PingEntry[]): Promise<void> {
    try {
      await this.#o.backendClient.signalingRequest(
        group.backend,
        group.baseUrl,
        pingRequest(roomId, entries),
      );
    } catch (err) {
      this.#o.logger.warn('room ping failed', {
        room: roomId,
        url: group.baseUrl,
        error: (err as Error).message,
      });
    }
  }
}
