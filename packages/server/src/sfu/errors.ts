/** An `error` reply from Janus, or a plugin error (`error_code` in the videoroom's data). */
export class JanusError extends Error {
  /** Janus or videoroom error code (e.g. 458 session not found, 426 no such room). */
  readonly code: number;
  /** Janus's explanation. */
  readonly reason: string;

  constructor(code: number, reason: string, options?: ErrorOptions) {
    super(`janus error ${code}: ${reason}`, options);
    this.name = 'JanusError';
    this.code = code;
    this.reason = reason;
  }
}

/** A request to the SFU took longer than `[mcu] timeout`. */
export class SfuTimeoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TimeoutError';
  }
}

/** The SFU is not connected (or the object was closed) so the request cannot be sent. */
export class SfuClosedError extends Error {
  constructor(message = 'not connected', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClosedError';
  }
}

/**
 * The publisher is on another server of the cluster whose SFU is not ours (another Janus): its
 * stream cannot be subscribed to from here. `details` goes to the client.
 */
export class SfuUnreachablePublisherError extends Error {
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnreachablePublisherError';
    this.details = details;
  }
}

/** The session lacks a permission needed for what it tried to publish. */
export class SfuPermissionError extends Error {
  /** The missing permission, e.g. `publish-audio`. */
  readonly permission: string;

  constructor(permission: string) {
    super(`permission "${permission}" not found`);
    this.name = 'PermissionError';
    this.permission = permission;
  }
}

/** Janus core error codes we react to. */
export const JanusCodes = {
  sessionNotFound: 458,
  handleNotFound: 459,
} as const;

/** Videoroom plugin error codes we react to. */
export const VideoroomCodes = {
  alreadyJoined: 425,
  noSuchRoom: 426,
  noSuchFeed: 428,
} as const;
