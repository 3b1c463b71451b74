import type { ClientSession } from '../hub/client-session.js';

/**
 * Remembers which sessions were told about the SFU. The `mcu` feature is advertised only while the
 * SFU is connected, and a client picks SFU or peer-to-peer mode from the features of its hello; so
 * a session that said hello while the SFU was away keeps talking peer-to-peer even after the SFU
 * is back, and its offers must be relayed, not published. The hub does not report hellos, so the
 * tracker looks at the live sessions whenever the SFU comes or goes: sessions that appeared while it
 * was away are peer-to-peer. A resumed session gets the current features again, so it takes the
 * current mode.
 */
export class SfuModeTracker {
  readonly #sessions: () => Iterable<ClientSession>;
  #available: boolean;
  /** Sessions that existed when the SFU went away (those created later never saw `mcu`). */
  #seenAtDown = new WeakSet<ClientSession>();
  readonly #p2p = new WeakSet<ClientSession>();
  readonly #sfuMode = new WeakSet<ClientSession>();

  constructor(sessions: () => Iterable<ClientSession>, available: boolean) {
    this.#sessions = sessions;
    this.#available = available;
  }

  /** The SFU became usable: sessions created while it was away stay peer-to-peer. */
  up(): void {
    if (this.#available) {
      return;
    }
    for (const session of this.#sessions()) {
      if (!this.#seenAtDown.has(session) && !this.#sfuMode.has(session)) {
        this.#p2p.add(session);
      }
    }
    this.#available = true;
  }

  /** The SFU went away. */
  down(): void {
    if (!this.#available) {
      return;
    }
    this.#seenAtDown = new WeakSet(this.#sessions());
    this.#available = false;
  }

  /** A session resumed and was sent the current features. */
  resumed(session: ClientSession): void {
    if (this.#available) {
      this.#p2p.delete(session);
      this.#sfuMode.add(session);
    } else {
      this.#sfuMode.delete(session);
      this.#p2p.add(session);
    }
  }

  /** Whether `session` uses the SFU (its `message`s go through the SFU router). */
  usesSfu(session: ClientSession): boolean {
    if (this.#p2p.has(session)) {
      return false;
    }
    if (this.#sfuMode.has(session)) {
      return true;
    }
    return this.#available || this.#seenAtDown.has(session);
  }
}
