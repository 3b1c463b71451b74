import type { ClientLogger } from '@spreed-ts/client';

/** Where a command writes, and how it learns that the user wants to stop (Ctrl-C). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Aborted on Ctrl-C / SIGTERM. */
  stop: AbortSignal;
}

/** A logger that prints warnings (and with `verbose`, debug lines) to stderr. */
export function cliLogger(io: CliIo, verbose: boolean): ClientLogger {
  return {
    debug: (message) => {
      if (verbose) {
        io.err(`debug: ${message}`);
      }
    },
    warn: (message) => {
      if (verbose) {
        io.err(`warning: ${message}`);
      }
    },
  };
}

/** Resolves after `seconds` (or never with undefined), or when `signal` aborts. */
export function waitOrStop(
  seconds: number | undefined,
  signal: AbortSignal,
  also?: Promise<unknown>,
): Promise<'timeout' | 'stopped' | 'other'> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve('stopped');
      return;
    }
    const timer =
      seconds === undefined ? undefined : setTimeout(() => done('timeout'), seconds * 1000);
    const onAbort = (): void => done('stopped');
    function done(result: 'timeout' | 'stopped' | 'other'): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    }
    signal.addEventListener('abort', onAbort, { once: true });
    void also?.then(() => done('other'));
  });
}
