/** Why a request to the Talk backend failed (before any Talk-level `error` answer). */
export type BackendFailure =
  | 'timeout'
  | 'unreachable'
  | 'invalid_content_type'
  | 'invalid_json'
  | 'incomplete_ocs'
  | 'throttled';

/** A request to the Talk backend that produced no usable answer. */
export class BackendRequestError extends Error {
  readonly failure: BackendFailure;
  constructor(failure: BackendFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackendRequestError';
    this.failure = failure;
  }
}
