/**
 * Error codes that appear in the `error` message of the signaling API, and in the `error` object of
 * backend responses. Codes the server generates itself come first; the rest are passed through from
 * Talk's backend verbatim, which is why the type stays open to any string.
 */
export const ErrorCodes = {
  helloExpected: 'hello_expected',
  invalidFormat: 'invalid_format',
  invalidHelloVersion: 'invalid_hello_version',
  invalidClientType: 'invalid_client_type',
  invalidBackend: 'invalid_backend',
  invalidToken: 'invalid_token',
  tokenNotValidYet: 'token_not_valid_yet',
  tokenExpired: 'token_expired',
  authFailed: 'auth_failed',
  noSuchSession: 'no_such_session',
  tooManyRequests: 'too_many_requests',
  sessionLimitExceeded: 'session_limit_exceeded',
  shutdownScheduled: 'shutdown_scheduled',
  roomJoinFailed: 'room_join_failed',
  alreadyJoined: 'already_joined',
  notInRoom: 'not_in_room',
  notAllowed: 'not_allowed',
  clientNotFound: 'client_not_found',
  processingFailed: 'processing_failed',
  noSdp: 'no_sdp',
  invalidSdp: 'invalid_sdp',
  noCandidate: 'no_candidate',
  invalidCandidate: 'invalid_candidate',
  federationUnsupported: 'federation_unsupported',
  federationError: 'federation_error',
  addFailed: 'add_failed',
  removeFailed: 'remove_failed',
  ignored: 'ignored',
  internalError: 'internal_error',
  // Passed through from Talk.
  invalidRequest: 'invalid_request',
  noSuchRoom: 'no_such_room',
  duplicateSession: 'duplicate_session',
  invalidTicket: 'invalid_ticket',
  noSuchUser: 'no_such_user',
} as const;

/** A code the server itself generates, or one Talk's backend sent. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | (string & {});

/** The `error` object of the wire format. `details` is omitted when there are none. */
export interface WireError {
  /** Machine-readable code, e.g. `invalid_format`. */
  code: ErrorCode;
  /** Human-readable explanation. */
  message: string;
  /** Optional structured details. */
  details?: unknown;
}

/** An error that maps one-to-one onto an `error` message of the protocol. */
export class SignalingError extends Error {
  /** The wire error code. */
  readonly code: ErrorCode;
  /** Optional structured details sent with the error. */
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions & { details?: unknown }) {
    super(message, options);
    this.name = 'SignalingError';
    this.code = code;
    this.details = options?.details;
  }

  /** The error as it goes on the wire. */
  toWire(): WireError {
    const wire: WireError = { code: this.code, message: this.message };
    if (this.details !== undefined) {
      wire.details = this.details;
    }
    return wire;
  }
}

/** Bad input from a peer: a frame or body that does not match the protocol. */
export class ProtocolError extends SignalingError {
  constructor(message: string, options?: ErrorOptions & { details?: unknown }) {
    super(ErrorCodes.invalidFormat, message, options);
    this.name = 'ProtocolError';
  }
}

/** Longest piece of a peer's value quoted in an error message. */
export const MAX_QUOTED_CHARS = 64;

/**
 * A peer's value as JSON for an error message or log line, cut to {@link MAX_QUOTED_CHARS}
 * characters: a huge or deeply nested value must not make every error about it huge.
 */
export function quoteValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = typeof value;
  }
  return JSON.stringify(
    text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text,
  );
}
