/** Why a client operation failed; stable strings a program can switch on. */
export type ClientErrorReason =
  /** The room URL is not of the form `https://host[/path]/[index.php/]call/TOKEN`. */
  | 'wrong_url'
  /** The server could not be reached (DNS, refused connection, TLS, timeout). */
  | 'unreachable'
  /** The server answered, but not like Nextcloud Talk. */
  | 'not_talk'
  /** No such conversation, or not visible to this user (HTTP 404). */
  | 'room_not_found'
  /** The conversation has a password and none was given. */
  | 'password_required'
  /** The password was wrong (HTTP 403 `{error: "password"}`). */
  | 'wrong_password'
  /** This guest or user is banned from the conversation. */
  | 'banned'
  /** The lobby is active and this participant may not pass it (HTTP 412). */
  | 'lobby'
  /** The conversation is read-only (chat or call refused). */
  | 'read_only'
  /** The participant lacks a permission (chat, start or join call, publish). */
  | 'no_permission'
  /** Wrong user name or app password (HTTP 401). */
  | 'unauthorized'
  /** The server no longer knows this participant's session (cookies lost, or kicked). */
  | 'not_participant'
  /** A chat message is longer than the server accepts (HTTP 413). */
  | 'message_too_long'
  /** Recording consent is required to join this call. */
  | 'consent_required'
  /** The call is end-to-end encrypted; this client cannot decrypt it. */
  | 'e2ee_unsupported'
  /** The signaling server said no (`cause` is a `SignalingError` with the wire code). */
  | 'signaling'
  /** Joined the call over HTTP, but the signaling server never listed us in it. */
  | 'call_not_registered'
  /** No WebRTC stack could be loaded. */
  | 'media_unavailable'
  /** The server failed (HTTP 5xx) or answered something unexpected. */
  | 'server_error'
  /** Waiting for something took too long. */
  | 'timeout'
  /** The client was closed (or left) while the operation ran. */
  | 'closed'
  /** The operation is not possible in the current state (programming error). */
  | 'invalid_state';

/**
 * The error every public client operation rejects with. `reason` says what went wrong in one
 * word, `message` says it in one line a person can act on, `status` is the HTTP status when there
 * was one, and `cause` carries the underlying error.
 */
export class ClientError extends Error {
  /** What went wrong. */
  readonly reason: ClientErrorReason;
  /** HTTP status of the failing request, when the failure came from one. */
  readonly status: number | undefined;

  constructor(
    reason: ClientErrorReason,
    message: string,
    options?: ErrorOptions & { status?: number },
  ) {
    super(message, options);
    this.name = 'ClientError';
    this.reason = reason;
    this.status = options?.status;
  }

  /** A timeout while waiting for `what`. */
  static timeout(what: string, ms: number): ClientError {
    return new ClientError('timeout', `timed out after ${ms} ms waiting for ${what}`);
  }

  /** The client was closed while `what` was pending. */
  static closed(what = 'the operation'): ClientError {
    return new ClientError('closed', `the client was closed during ${what}`);
  }

  /** The operation needs another state. */
  static invalidState(message: string): ClientError {
    return new ClientError('invalid_state', message);
  }
}

/** True for a {@link ClientError}, optionally of one of `reasons`. */
export function isClientError(
  error: unknown,
  ...reasons: ClientErrorReason[]
): error is ClientError {
  return error instanceof ClientError && (reasons.length === 0 || reasons.includes(error.reason));
}

/** A one-line description of any thrown value, for logs and the CLI. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
