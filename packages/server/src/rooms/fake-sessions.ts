import type { ClientType } from '@spreed-ts/protocol';
import type { Backend } from '../backend/backend-registry.js';
import { ClientSession } from '../hub/client-session.js';
import type { ClientConnection } from '../transport/client-connection.js';
import { Participant } from './participant.js';

/**
 * Helpers for the unit tests of this folder: client sessions with an in-memory connection that
 * records what they were sent.
 * @internal
 */

/** A backend for tests. */
export const TEST_BACKEND: Backend = {
  id: 'test',
  urls: ['https://cloud.example/'],
  secret: 'secret',
  sessionLimit: 0,
  maxStreamBitrate: 0,
  maxScreenBitrate: 0,
};

/** A participant whose frames are recorded in `frames` (decoded) and `texts` (raw). */
export interface FakeParticipant {
  participant: Participant;
  texts: string[];
  /** Decoded frames sent so far. */
  frames(): Array<Record<string, unknown>>;
}

let counter = 0;

/** Creates a connected client session and its participant. */
export function fakeParticipant(
  options: {
    userId?: string;
    clientType?: ClientType;
    features?: string[];
    user?: unknown;
    backend?: Backend;
  } = {},
): FakeParticipant {
  counter++;
  const texts: string[] = [];
  const session = new ClientSession({
    publicId: `pub-${counter}`,
    privateId: `priv-${counter}`,
    clientType: options.clientType ?? 'client',
    backend: options.backend ?? TEST_BACKEND,
    backendUrl: 'https://cloud.example/',
    userId: options.userId ?? '',
    user: options.user,
    features: options.features ?? [],
  });
  const connection = {
    isOpen: true,
    session: undefined as unknown,
    send(text: string) {
      texts.push(text);
      return true;
    },
    sendAndClose(text: string) {
      texts.push(text);
    },
    close() {},
  };
  session.attach(connection as unknown as ClientConnection);
  return {
    participant: new Participant(session),
    texts,
    frames: () => texts.map((t) => JSON.parse(t) as Record<string, unknown>),
  };
}
