import { ErrorCodes, type ServerMessage, type WireError } from '@spreed-ts/protocol';
import type { Participant } from './participant.js';

/** An error frame answering request `id`. */
export function errorFrame(id: string | undefined, error: WireError): ServerMessage {
  return id === undefined ? { type: 'error', error } : { id, type: 'error', error };
}

/** Sends an error answering request `id`. */
export function sendError(
  to: Participant,
  id: string | undefined,
  code: string,
  message: string,
  details?: unknown,
): void {
  const error: WireError = { code, message };
  if (details !== undefined) {
    error.details = details;
  }
  to.send(errorFrame(id, error));
}

/** Upstream wraps failures that are not protocol errors as `internal_error` with their text. */
export function sendWrapped(to: Participant, id: string | undefined, err: unknown): void {
  sendError(to, id, ErrorCodes.internalError, err instanceof Error ? err.message : String(err));
}
