import type { Backend } from '../backend/backend-registry.js';
import type { RemoteMember } from './remote-member.js';
import { Room, roomKey } from './room.js';
import type { RoomLink } from './room-link.js';
import type { RoomObserver } from './room-observer.js';
import type { Scheduler } from './scheduler.js';

/**
 * The rooms that exist on this server, keyed by backend id and room id. A room is created by its
 * first join (with the properties of that join's Talk response) and forgotten once it closes. With
 * a {@link RoomLink} the rooms also follow their members on the other servers of a cluster.
 */
export class RoomRegistry {
  readonly #rooms = new Map<string, Room>();
  readonly #scheduler: Scheduler | undefined;
  readonly #link: RoomLink | undefined;
  readonly #observer: RoomObserver | undefined;
  /** Members of this server's rooms who are on other servers, by public id. */
  readonly remoteIndex = new Map<string, RemoteMember>();

  constructor(scheduler?: Scheduler, link?: RoomLink, observer?: RoomObserver) {
    this.#scheduler = scheduler;
    this.#link = link;
    this.#observer = observer;
  }

  /** The room `roomId` of `backendId`, if it exists here. */
  get(backendId: string, roomId: string): Room | undefined {
    return this.#rooms.get(roomKey(backendId, roomId));
  }

  /** The room with key `<backend id>|<room id>`, if it exists here. */
  byKey(key: string): Room | undefined {
    return this.#rooms.get(key);
  }

  /** The existing room, or a new one with `properties`. */
  getOrCreate(backend: Backend, roomId: string, properties: unknown): Room {
    const key = roomKey(backend.id, roomId);
    let room = this.#rooms.get(key);
    if (room === undefined) {
      const options: ConstructorParameters<typeof Room>[0] = {
        id: roomId,
        backend,
        properties,
        onClosed: (closed) => this.#closed(closed),
        remoteIndex: this.remoteIndex,
      };
      if (this.#scheduler) {
        options.scheduler = this.#scheduler;
      }
      if (this.#link) {
        options.link = this.#link;
      }
      if (this.#observer) {
        options.observer = this.#observer;
      }
      room = new Room(options);
      this.#rooms.set(key, room);
      this.#link?.created(room);
    }
    return room;
  }

  #closed(room: Room): void {
    if (this.#rooms.get(room.key) === room) {
      this.#rooms.delete(room.key);
      this.#link?.closed(room);
    }
  }

  /** All rooms. */
  values(): IterableIterator<Room> {
    return this.#rooms.values();
  }

  get size(): number {
    return this.#rooms.size;
  }
}
