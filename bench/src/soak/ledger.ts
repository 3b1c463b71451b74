/**
 * Bookkeeping of a soak run: every relayed message is written down with the clients that must get
 * it; every receipt is checked against that. At the end it tells what was lost, duplicated or
 * delivered to the wrong client.
 *
 * The signaling protocol has no acknowledgements: frames the server had already written to a
 * connection that then drops are gone, in upstream's server as in ours. A receiver's expectations
 * that were still open when its connection was cut, or that were sent while the server could not
 * yet know it was cut, are therefore "in flight at a drop" — counted, reported, and not a defect.
 * Everything sent after that must arrive (queued by the server, replayed on resume) exactly once.
 */

/** What the ledger concludes. */
export interface LedgerTotals {
  /** Messages sent. */
  sent: number;
  /** Deliveries that had to happen (one per message and expected receiver). */
  expected: number;
  /** Expected deliveries that happened (first copy only). */
  delivered: number;
  /** Expected deliveries that never happened, outside any drop window (defects). */
  lost: number;
  /** Expected deliveries not made because the receiver's connection was cut meanwhile. */
  inFlightAtDrop: number;
  /** Second and later copies of one message at one receiver (defects). */
  duplicated: number;
  /** Receipts of messages the receiver was not meant to get (defects). */
  misdelivered: number;
  /** Receipts of message ids never sent (defects). */
  unknown: number;
}

interface Expectation {
  /** When it was sent (ms, monotonic clock of the run). */
  sentAt: number;
  /** Receivers that still have to get it. */
  open: Set<number>;
  /** Receivers that got it (to spot duplicates). */
  got: Set<number>;
  /** Receivers excused because they were dropped while it was open. */
  excused: Set<number>;
}

export class Ledger {
  readonly #messages = new Map<string, Expectation>();
  /** Per receiver: until when (ms) new expectations are excused (server not yet aware of a drop). */
  readonly #blindUntil = new Map<number, number>();
  readonly #graceMs: number;
  #sent = 0;
  #expected = 0;
  #delivered = 0;
  #inFlight = 0;
  #duplicated = 0;
  #misdelivered = 0;
  #unknown = 0;

  /** `graceMs`: how long after a drop the server may still write to the dead connection. */
  constructor(graceMs = 500) {
    this.#graceMs = graceMs;
  }

  /** A message `id` was sent at `at` and must reach every client in `receivers`. */
  sent(id: string, receivers: Iterable<number>, at: number): void {
    const open = new Set<number>();
    const excused = new Set<number>();
    for (const r of receivers) {
      const blind = this.#blindUntil.get(r);
      if (blind !== undefined && at <= blind) {
        excused.add(r);
        this.#inFlight++;
      } else {
        open.add(r);
      }
      this.#expected++;
    }
    this.#sent++;
    this.#messages.set(id, { sentAt: at, open, got: new Set(), excused });
  }

  /** Client `receiver` got message `id`. */
  received(receiver: number, id: string): void {
    const entry = this.#messages.get(id);
    if (entry === undefined) {
      this.#unknown++;
      return;
    }
    if (entry.got.has(receiver)) {
      this.#duplicated++;
      return;
    }
    if (entry.open.delete(receiver)) {
      entry.got.add(receiver);
      this.#delivered++;
      this.#forgetIfDone(id, entry);
      return;
    }
    if (entry.excused.has(receiver)) {
      // Arrived after all (queued before the drop was noticed): a delivery, not in flight.
      entry.excused.delete(receiver);
      entry.got.add(receiver);
      this.#inFlight--;
      this.#delivered++;
      return;
    }
    this.#misdelivered++;
  }

  /**
   * The connection of `receiver` was cut at `at`: what it has not got yet is in flight, and so is
   * what is sent to it until the server can have noticed.
   */
  dropped(receiver: number, at: number): void {
    this.#blindUntil.set(receiver, at + this.#graceMs);
    for (const [id, entry] of this.#messages) {
      if (entry.open.delete(receiver)) {
        entry.excused.add(receiver);
        this.#inFlight++;
        this.#forgetIfDone(id, entry);
      }
    }
  }

  /**
   * `receiver` is gone for good (its session ended on purpose): nothing more is expected of it.
   * Open expectations are dropped without counting them as lost.
   */
  retired(receiver: number): void {
    for (const entry of this.#messages.values()) {
      if (entry.open.delete(receiver)) {
        this.#expected--;
      }
    }
  }

  #forgetIfDone(id: string, entry: Expectation): void {
    // Entries stay while any receiver may still get a copy (duplicates must be seen); only
    // messages nobody is waiting for and nobody was excused from are dropped from memory.
    if (entry.open.size === 0 && entry.excused.size === 0 && entry.got.size === 0) {
      this.#messages.delete(id);
    }
  }

  /**
   * Forgets settled messages sent more than `olderThan` ms before `now` (a copy arriving later
   * than that would count as unknown rather than duplicated). Keeps long runs bounded.
   */
  prune(now: number, olderThan: number): void {
    for (const [id, entry] of this.#messages) {
      if (now - entry.sentAt <= olderThan) {
        return;
      }
      if (entry.open.size === 0) {
        this.#messages.delete(id);
      }
    }
  }

  /** Open expectations older than `olderThan` ms (a live sign of loss during the run). */
  overdue(now: number, olderThan: number): number {
    let count = 0;
    for (const entry of this.#messages.values()) {
      if (now - entry.sentAt > olderThan) {
        count += entry.open.size;
      }
    }
    return count;
  }

  /** The totals; `lost` counts what is still open. */
  totals(): LedgerTotals {
    let lost = 0;
    for (const entry of this.#messages.values()) {
      lost += entry.open.size;
    }
    return {
      sent: this.#sent,
      expected: this.#expected,
      delivered: this.#delivered,
      lost,
      inFlightAtDrop: this.#inFlight,
      duplicated: this.#duplicated,
      misdelivered: this.#misdelivered,
      unknown: this.#unknown,
    };
  }
}
