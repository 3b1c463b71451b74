/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const LABEL: Record<LogLevel, string> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

/** Structured logging: a message plus flat fields. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Changes the minimum level (SIGHUP reload of `[app] debug`). */
  setLevel(level: LogLevel): void;
}

const NEEDS_QUOTES = /[\s"=]/;

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return NEEDS_QUOTES.test(text) ? JSON.stringify(text) : text;
}

/** Most text held back before a write is forced within the same turn. */
const MAX_BATCH_CHARS = 64 * 1024;

/**
 * Wraps a writer so the lines logged during one event-loop turn reach it in one call (Node writes
 * stderr to a file or pipe synchronously, so a line per session event would otherwise cost a
 * system call each during a connect storm). What is pending is written before the process exits,
 * also on `process.exit()`.
 */
export function batchedWriter(write: (text: string) => void): (line: string) => void {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') {
      return;
    }
    const text = pending;
    pending = '';
    write(text);
  };
  process.on('exit', flush);
  return (line) => {
    pending += line;
    if (pending.length >= MAX_BATCH_CHARS) {
      flush();
    } else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

let stderrWriter: ((line: string) => void) | undefined;

function writeStderr(line: string): void {
  stderrWriter ??= batchedWriter((text) => process.stderr.write(text));
  stderrWriter(line);
}

/** A logger writing one `time level message key=value…` line per entry to a stream. */
export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = writeStderr,
): Logger {
  let min = ORDER[level];
  const log = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) {
      return;
    }
    let line = `${new Date().toISOString()} ${LABEL[lvl]} ${message}`;
    if (fields) {
      for (const key in fields) {
        const value = fields[key];
        if (value !== undefined) {
          line += ` ${key}=${formatValue(value)}`;
        }
      }
    }
    write(`${line}\n`);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    setLevel: (l) => {
      min = ORDER[l];
    },
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger('error', () => undefined);
