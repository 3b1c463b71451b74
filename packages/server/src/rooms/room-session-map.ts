/**
 * Which signaling session currently holds a Talk ("room") session id. Talk refers to participants
 * by its own session ids (participants updates, disinvites, switchto), so the backend API needs the
 * reverse mapping; a new registration of the same Talk session id replaces the older one, as in
 * upstream's built-in room session store.
 */
export class RoomSessionMap {
  readonly #byRoomSession = new Map<string, string>();
  readonly #byPublicId = new Map<string, string>();

  /** Registers `roomSessionId` for `publicId` (an empty id removes the registration). */
  set(publicId: string, roomSessionId: string): void {
    if (roomSessionId === '') {
      this.delete(publicId);
      return;
    }
    const previous = this.#byPublicId.get(publicId);
    if (previous === roomSessionId) {
      return;
    }
    if (previous !== undefined && this.#byRoomSession.get(previous) === publicId) {
      this.#byRoomSession.delete(previous);
    }
    this.#byPublicId.set(publicId, roomSessionId);
    this.#byRoomSession.set(roomSessionId, publicId);
  }

  /** Forgets the registration of `publicId`, unless a newer session took its Talk id over. */
  delete(publicId: string): void {
    const roomSessionId = this.#byPublicId.get(publicId);
    if (roomSessionId === undefined) {
      return;
    }
    this.#byPublicId.delete(publicId);
    if (this.#byRoomSession.get(roomSessionId) === publicId) {
      this.#byRoomSession.delete(roomSessionId);
    }
  }

  /** The public id of the session registered with `roomSessionId`. */
  lookup(roomSessionId: string): string | undefined {
    return this.#byRoomSession.get(roomSessionId);
  }

  /** Number of registrations (for tests and stats). */
  get size(): number {
    return this.#byRoomSession.size;
  }
}
