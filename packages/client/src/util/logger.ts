/** Where the client writes diagnostics; `debug` lines are off unless a logger is passed. */
export interface ClientLogger {
  debug(message: string): void;
  warn(message: string): void;
}

/** Logs nothing. */
export const silentLogger: ClientLogger = {
  debug: () => undefined,
  warn: () => undefined,
};
