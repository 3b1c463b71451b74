/** Why a model operation was refused; the HTTP layer maps these to Talk's status codes. */
export type ModelErrorCode =
  | 'room_not_found'
  | 'participant_not_found'
  | 'password'
  | 'not_allowed'
  | 'duplicate_session'
  | 'not_in_call'
  | 'invalid_flags';

/** A refused model operation, carrying the reason as a code. */
export class ModelError extends Error {
  readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelError';
    this.code = code;
  }
}
