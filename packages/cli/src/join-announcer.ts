import { type Participant, participantName, type TalkStatus } from '@spreed-ts/client';

/** How long a join waits for the newcomer's name before it is printed without one. */
const NAME_WAIT_MS = 3000;

/**
 * Prints "NAME joined" lines. A guest's name often arrives after the signaling server announced the
 * session (with the first offer, or a participant update), so a join without a name is held back
 * until the name is known, the participant does something else, or {@link NAME_WAIT_MS} passed.
 */
export class JoinAnnouncer {
  readonly #print: (line: string) => void;
  readonly #pending = new Map<
    string,
    { participant: Participant; timer: ReturnType<typeof setTimeout> }
  >();

  constructor(print: (line: string) => void) {
    this.#print = print;
  }

  /**
   * Takes care of `status` when it is a join (printed now, or held back until the name is known);
   * returns false for the other statuses, which the caller prints. Held-back joins whose name
   * became known are printed first, so they come before anything else about that participant.
   */
  handle(status: TalkStatus): boolean {
    this.#flush(false);
    if (status.type !== 'participantJoined') {
      if (status.type === 'participantLeft') {
        this.#release(status.participant.sessionId);
      }
      return false;
    }
    const participant = status.participant;
    if (hasName(participant)) {
      this.#print(`${participantName(participant)} joined`);
      return true;
    }
    const timer = setTimeout(() => this.#release(participant.sessionId), NAME_WAIT_MS);
    timer.unref();
    this.#pending.set(participant.sessionId, { participant, timer });
    return true;
  }

  /** Prints what is still held back (the command is ending). */
  close(): void {
    this.#flush(true);
  }

  #flush(all: boolean): void {
    for (const [sessionId, { participant }] of this.#pending) {
      if (all || hasName(participant)) {
        this.#release(sessionId);
      }
    }
  }

  #release(sessionId: string): void {
    const entry = this.#pending.get(sessionId);
    if (entry === undefined) {
      return;
    }
    clearTimeout(entry.timer);
    this.#pending.delete(sessionId);
    const p = entry.participant;
    this.#print(
      hasName(p)
        ? `${participantName(p)} joined`
        : `a participant joined (session ${p.sessionId.slice(0, 8)}…)`,
    );
  }
}

/** A display name, or a user id (guests' actor ids are hashes, not names). */
function hasName(p: Participant): boolean {
  return (p.displayName ?? '') !== '' || (p.userId ?? '') !== '';
}
