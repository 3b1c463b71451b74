import type { Logger } from '@spreed-ts/server';

/** A logger that keeps its lines (`LEVEL message {fields}`) for assertions. */
export interface CapturingLogger extends Logger {
  readonly lines: string[];
  /** Whether a line matches `pattern`. */
  has(pattern: RegExp): boolean;
}

export function capturingLogger(): CapturingLogger {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push(`${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
    };
  return {
    lines,
    has: (pattern) => lines.some((line) => pattern.test(line)),
    debug: log('DEBUG'),
    info: log('INFO'),
    warn: log('WARN'),
    error: log('ERROR'),
    setLevel: () => undefined,
  };
}

/** Fast retries for tests (upstream waits 1 s, doubling up to 8 s). */
export const FAST_RETRY = { initialMs: 100, maxMs: 400 };
