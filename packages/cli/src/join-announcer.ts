import { type Participant, participantName, type TalkStatus } from '@spreed-ts/client';

/** How long a join waits for the newcomer's name before it is printed without one. */
const NAME_WAIT_MS = 3000;

/**
 * Prints "NAME joined" lines (and "NAME is in the call with …"). A guest's name often arrives after the signaling server announced the
 * session (with the first offer, or a participant update), so a join without a name is held back
 * until the name is known, the participant does something else, or {@link NAME_WAIT_MS} passed.
 */
export class JoinAnnouncer {
  readonly #print: (line: string) => void;
  readonly #format: (status: TalkStatus) => string | undefined;
  readonly #pending = new Map<
    string,
    {
      participant: Participant;
      timer: ReturnType<typeof setTimeout>;
      /** Whether a join is held (else only media lines). */
      joined: boolean;
      /** Media lines held back until the name is known. */
      later: TalkStatus[];
    }
  >();

  /** `format` renders held-back media lines (`statusLine`). */
  constructor(
    print: (line: string) => void,
    format: (status: TalkStatus) => string | undefined = () => undefined,
  ) {
    this.#print = print;
    this.#format = format;
  }

  /**
   * Takes care of `status` when it is a join (printed now, or held back until the name is known);
   * returns false for the other statuses, which the caller prints. Held-back joins whose name
   * became known are printed first, so they come before anything else about that participant.
   */
  handle(status: TalkStatus): boolean {
    this.#flush(false);
    if (status.type === 'participantMedia' && !hasName(status.participant)) {
      // "… is in the call with audio" waits for the name like a join does.
      const held = this.#pending.get(status.participant.sessionId);
      if (held !== undefined) {
        held.later.push(status);
        return true;
      }
      const timer = setTimeout(() => this.#release(status.participant.sessionId), NAME_WAIT_MS);
      timer.unref();
      this.#pending.set(status.participant.sessionId, {
        participant: status.participant,
        timer,
        joined: false,
        later: [status],
      });
      return true;
    }
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
    const held = this.#pending.get(participant.sessionId);
    if (held !== undefined) {
      held.joined = true;
      return true;
    }
    const timer = setTimeout(() => this.#release(participant.sessionId), NAME_WAIT_MS);
    timer.unref();
    this.#pending.set(participant.sessionId, { participant, timer, joined: true, later: [] });
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
    if (entry.joined) {
      this.#print(
        hasName(p)
          ? `${participantName(p)} joined`
          : `a participant joined (session ${p.sessionId.slice(0, 8)}…)`,
      );
    }
    for (const status of entry.later) {
      const line = this.#format(status);
      if (line !== undefined) {
        this.#print(line);
      }
    }
  }
}

/** A display name, or a user id (guests' actor ids are hashes, not names). */
function hasName(p: Participant): boolean {
  return (p.displayName ?? '') !== '' || (p.userId ?? '') !== '';
}
