import { randomBytes } from 'node:crypto';
import {
  ClientFeatures,
  type DialoutMessage,
  type InternalRequest,
  isObject,
  type JsonObject,
  type ServerMessage,
  type WireError,
} from '@spreed-ts/protocol';
import type { Backend } from '../backend/backend-registry.js';
import type { Logger } from '../logger.js';
import type { BackendApiResult } from '../transport/backend-api.js';
import type { DialoutRequest } from './backend-requests.js';
import type { Participant } from './participant.js';
import type { ParticipantStore } from './participant-store.js';
import type { RoomRegistry } from './room-registry.js';
import { type Cancel, realScheduler, type Scheduler } from './scheduler.js';
import type { SessionControl } from './session-control.js';

/** How long a SIP bridge has to accept a dial-out (upstream: 45 s). */
export const DIALOUT_TIMEOUT_MS = 45_000;
/** Call status entries of ended calls disappear after this (upstream: 5 s), in nanoseconds. */
export const CALL_STATUS_TTL_NS = 5_000_000_000;

const E164 = /^\+\d{2,}$/;
const NUMERIC = /^[0-9]+$/;

/** What dial-out needs. */
export interface DialoutOptions {
  sessions: SessionControl;
  participants: ParticipantStore;
  registry: RoomRegistry;
  logger: Logger;
  scheduler?: Scheduler;
  timeoutMs?: number;
}

interface Pending {
  owner: Participant;
  done: (answer: DialoutMessage | undefined) => void;
}

const dialoutError = (status: number, error: WireError): BackendApiResult => ({
  status,
  body: { type: 'dialout', dialout: { error } },
});

/** A random request id (upstream: 32 random characters). */
function randomId(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Dial-out (upstream's startDialout): Talk asks for a phone call, a connected SIP bridge (internal
 * client with feature `start-dialout`, not in any room) is asked to place it and must accept within
 * 45 s. Its later status reports become `callstatus_<callid>` transient data in the room.
 */
export class Dialout {
  readonly #o: DialoutOptions;
  readonly #pending = new Map<string, Pending>();
  readonly #scheduler: Scheduler;

  constructor(options: DialoutOptions) {
    this.#o = options;
    this.#scheduler = options.scheduler ?? realScheduler;
  }

  /** SIP bridges that may take a call for `backend`. */
  candidates(backend: Backend): Participant[] {
    const result: Participant[] = [];
    for (const session of this.#o.sessions.sessions.values()) {
      if (
        session.clientType === 'internal' &&
        session.features.has(ClientFeatures.startDialout) &&
        session.backend.id === backend.id &&
        session.connection?.isOpen === true
      ) {
        const participant = this.#o.participants.of(session);
        if (!participant.everJoined) {
          result.push(participant);
        }
      }
    }
    return result;
  }

  /** Backend `dialout` request. */
  async start(
    backend: Backend,
    roomId: string,
    backendHeader: string | undefined,
    request: DialoutRequest,
  ): Promise<BackendApiResult> {
    if (request.number === '') {
      return dialoutError(400, { code: 'number_missing', message: 'No number provided' });
    }
    if (!E164.test(request.number)) {
      return dialoutError(400, { code: 'invalid_number', message: 'Expected E.164 number.' });
    }
    if (!NUMERIC.test(roomId)) {
      return dialoutError(400, { code: 'invalid_roomid', message: 'The room id must be numeric.' });
    }
    let url = backendHeader ?? '';
    if (url !== '' && !url.endsWith('/')) {
      url += '/';
    }
    if (backend.urls.length > 0 && !backend.urls.some((u) => url.startsWith(u))) {
      url = backend.urls[0] as string;
    }
    let firstError: WireError | undefined;
    for (const candidate of this.candidates(backend)) {
      const result = await this.#tryWith(candidate, roomId, url, request);
      if ('callid' in result) {
        return { status: 200, body: { type: 'dialout', dialout: { callid: result.callid } } };
      }
      this.#o.logger.warn('dialout failed in session', {
        session: candidate.publicId,
        error: result.error.code,
      });
      firstError ??= result.error;
    }
    if (firstError !== undefined) {
      return dialoutError(502, firstError);
    }
    return dialoutError(404, {
      code: 'no_client_available',
      message: 'No available client found to trigger dialout.',
    });
  }

  async #tryWith(
    owner: Participant,
    roomId: string,
    url: string,
    request: DialoutRequest,
  ): Promise<{ callid: string } | { error: WireError }> {
    if (!owner.connected) {
      return { error: { code: 'error_notify', message: 'Could not notify about new dialout.' } };
    }
    const id = randomId();
    const contents: { number: string; options?: unknown } = { number: request.number };
    if (request.options !== undefined) {
      contents.options = request.options;
    }
    let cancel: Cancel = () => undefined;
    const answer = new Promise<DialoutMessage | undefined | 'timeout'>((resolve) => {
      this.#pending.set(id, { owner, done: resolve });
      cancel = this.#scheduler.after(this.#o.timeoutMs ?? DIALOUT_TIMEOUT_MS, () =>
        resolve('timeout'),
      );
    });
    const frame: ServerMessage = {
      id,
      type: 'internal',
      internal: { type: 'dialout', dialout: { roomid: roomId, backend: url, request: contents } },
    };
    owner.send(frame);
    const result = await answer;
    cancel();
    this.#pending.delete(id);
    if (result === 'timeout') {
      return { error: { code: 'timeout', message: 'Timeout while waiting for dialout to start.' } };
    }
    if (result === undefined) {
      return { error: { code: 'error_notify', message: 'No dialout response received.' } };
    }
    switch (result.type) {
      case 'error':
        return {
          error: result.error ?? { code: 'error_notify', message: 'No dialout response received.' },
        };
      case 'status':
        if (result.status?.status !== 'accepted') {
          return {
            error: {
              code: 'unsupported_status',
              message: `Unsupported dialout status received: ${JSON.stringify(result)}`,
            },
          };
        }
        return { callid: result.status.callid };
      default:
        return {
          error: {
            code: 'unsupported_type',
            message: `Unsupported dialout type received: ${JSON.stringify(result)}`,
          },
        };
    }
  }

  /**
   * An internal message whose id answers a pending dial-out request. Returns true when the message
   * is consumed (an error answer); other answers also go through the normal handling.
   */
  consumeAnswer(owner: Participant, id: string, request: InternalRequest): boolean {
    const pending = this.#pending.get(id);
    if (pending === undefined || pending.owner !== owner || request.type !== 'dialout') {
      return false;
    }
    this.#pending.delete(id);
    pending.done(request.dialout);
    return request.dialout.error !== undefined;
  }

  /** An internal `dialout` message: status reports become transient data, others go to the room. */
  handleMessage(owner: Participant, message: DialoutMessage): void {
    const room = this.#o.registry.get(owner.session.backend.id, message.roomid ?? '');
    if (room === undefined) {
      return;
    }
    if (message.type === 'status') {
      const status = message.status;
      if (status === undefined) {
        return;
      }
      const value: JsonObject = { callid: status.callid, status: status.status };
      if (status.cause) {
        value.cause = status.cause;
      }
      if (status.code) {
        value.code = status.code;
      }
      if (status.message) {
        value.message = status.message;
      }
      const ended = status.status === 'cleared' || status.status === 'rejected';
      room.setTransient(`callstatus_${status.callid}`, value, ended ? CALL_STATUS_TTL_NS : 0);
      return;
    }
    const dialout: JsonObject = { type: message.type };
    if (isObject(message.error)) {
      dialout.error = message.error;
    }
    if (isObject(message.status)) {
      dialout.status = message.status;
    }
    room.publishFrame({ type: 'dialout', dialout });
  }

  /** Fails the pending requests of a session that went away. */
  forget(owner: Participant): void {
    for (const [id, pending] of this.#pending) {
      if (pending.owner === owner) {
        this.#pending.delete(id);
        pending.done(undefined);
      }
    }
  }
}
