/**
 * Small helpers for the proxy's answers: errors in the protocol's format, SFU deadlines, and the
 * `id` of a frame that failed validation.
 */
import { ErrorCodes, type ProxyServerMessage, type WireError } from '@spreed-ts/protocol';
import { SfuTimeoutError } from '@spreed-ts/server';

/** An `error` answer, with the request's id when it had one. */
export function errorMessage(id: string | undefined, error: WireError): ProxyServerMessage {
  return id === undefined ? { type: 'error', error } : { id, type: 'error', error };
}

/** An error of the SFU as upstream wraps errors it has no code for. */
export function internalError(err: unknown): WireError {
  return {
    code: ErrorCodes.internalError,
    message: err instanceof Error ? err.message : String(err),
  };
}

/** The stream types of publishers and subscribers. */
export function isMediaStream(type: string | undefined): type is 'video' | 'screen' {
  return type === 'video' || type === 'screen';
}

/** Rejects with {@link SfuTimeoutError} when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SfuTimeoutError(`${what} timed out`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * {@link withTimeout} for the creation of something that must be closed: when the deadline passes
 * first, the object that arrives later (the SFU's steps go on after the caller gave up) is closed
 * at once instead of living on untracked on Janus.
 */
export function withTimeoutClosing<T extends { close(): Promise<void> }>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  return withTimeout(promise, ms, what).catch((err: unknown) => {
    if (err instanceof SfuTimeoutError) {
      promise.then(
        (late) => late.close().catch(() => undefined),
        () => undefined,
      );
    }
    throw err;
  });
}

/** Extracts the `id` of a frame that failed validation, so the error can name it. */
export function frameId(text: string): string | undefined {
  const match = /^\s*\{\s*"id"\s*:\s*"((?:[^"\\]|\\.){0,256})"/.exec(text);
  if (match === null) {
    return undefined;
  }
  try {
    const id: unknown = JSON.parse(`"${match[1]}"`);
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
