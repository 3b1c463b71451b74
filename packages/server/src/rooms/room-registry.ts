import type { Backend } from '../backend/backend-registry.js';
import { Room, roomKey } from './room.js';
import type { Scheduler } from './scheduler.js';

/**
 * The rooms that exist on this server, keyed by backend id and room id. A room is created by its
 * first join (with the properties of that join's Talk response) and forgotten once it closes.
 */
export class RoomRegistry {
  readonly #rooms = new Map<string, Room>();
  readonly #scheduler: Scheduler | undefined;

  constructor(scheduler?: Scheduler) {
    this.#scheduler = scheduler;
  }

  /** The room `roomId` of `backendId`, if it exists here. */
  get(backendId: string, roomId: string): Room | undefined {
    return this.#rooms.get(roomKey(backendId, roomId));
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
      };
      if (this.#scheduler) {
        options.scheduler = this.#scheduler;
      }
      room = new Room(options);
      this.#rooms.set(key, room);
    }
    return room;
  }

  #closed(room: Room): void {
    if (this.#rooms.get(room.key) === room) {
      this.#rooms.delete(room.key);
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
