import type { ClientSession } from '../hub/client-session.js';
import { Participant } from './participant.js';

/** The {@link Participant} of each session that has room state, created on first use. */
export class ParticipantStore {
  readonly #byPublicId = new Map<string, Participant>();

  /** The participant of `session`, created if needed. */
  of(session: ClientSession): Participant {
    let participant = this.#byPublicId.get(session.publicId);
    if (participant === undefined || participant.session !== session) {
      participant = new Participant(session);
      this.#byPublicId.set(session.publicId, participant);
    }
    return participant;
  }

  /** The participant with this public id, if it has room state. */
  get(publicId: string): Participant | undefined {
    return this.#byPublicId.get(publicId);
  }

  /** Forgets the participant of a closed session. */
  delete(session: ClientSession): void {
    if (this.#byPublicId.get(session.publicId)?.session === session) {
      this.#byPublicId.delete(session.publicId);
    }
  }

  values(): IterableIterator<Participant> {
    return this.#byPublicId.values();
  }
}
