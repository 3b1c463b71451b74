import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { acceptResponse, checkUpgrade, rejectResponse } from './handshake.js';
import { ServerSocket } from './server-socket.js';

/** Where and how {@link acceptUpgrade} accepts WebSockets. */
export interface AcceptUpgradeOptions {
  /** Request paths (query ignored) that are WebSocket endpoints; others get 404. */
  paths: readonly string[];
  /** Largest message accepted (also when fragmented). */
  maxMessageBytes: number;
  /** Extra response headers of the 101 (the same the server's other responses carry). */
  headers: Readonly<Record<string, string>>;
}

/**
 * Answers an HTTP upgrade request of a `node:http` server: a valid WebSocket handshake on one of
 * `paths` gets the 101 and becomes a {@link ServerSocket}, handed to `accepted`; anything else gets
 * its HTTP error (404, 400, 426, …) and is closed, and a client that is already gone is dropped.
 *
 * The 101 is held back while `accepted` runs, so that what it sends at once (the signaling
 * server's `welcome`) leaves with the 101 in one system call instead of two.
 */
export function acceptUpgrade(
  req: IncomingMessage,
  duplex: Duplex,
  head: Buffer,
  options: AcceptUpgradeOptions,
  accepted: (ws: ServerSocket) => void,
): void {
  // A net.Socket, or a tls.TLSSocket for HTTPS listeners.
  const socket = duplex as Socket;
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (!options.paths.includes(path)) {
    refuse(socket, 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  if (!socket.readable || !socket.writable) {
    // The client went away already.
    socket.destroy();
    return;
  }
  const key = checkUpgrade(req);
  if (typeof key !== 'string') {
    refuse(socket, rejectResponse(key));
    return;
  }
  const ws = new ServerSocket(socket, head, { maxMessageBytes: options.maxMessageBytes });
  socket.cork();
  let extra = '';
  for (const [name, value] of Object.entries(options.headers)) {
    extra += `${name}: ${value}\r\n`;
  }
  socket.write(acceptResponse(key, extra));
  try {
    accepted(ws);
  } finally {
    socket.uncork();
  }
}

/** Answers an upgrade request with an HTTP error and closes the connection. */
function refuse(socket: Socket, response: string): void {
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(response);
}
