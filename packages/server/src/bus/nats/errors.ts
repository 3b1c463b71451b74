/** The NATS server sent something that is not the protocol (or too much of it). */
export class NatsProtocolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NatsProtocolError';
  }
}

/** The NATS server answered with `-ERR '<message>'`. */
export class NatsServerError extends Error {
  /** The server's text, without the quotes. */
  readonly serverMessage: string;

  constructor(serverMessage: string, options?: ErrorOptions) {
    super(`NATS server error: ${serverMessage}`, options);
    this.name = 'NatsServerError';
    this.serverMessage = serverMessage;
  }
}

/** The client was closed, or the connection went away before an answer came. */
export class NatsClosedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NatsClosedError';
  }
}
