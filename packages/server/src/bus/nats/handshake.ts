import { createConnection, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Connection, type ConnectionHandler, type ConnectionOptions, PONG } from './connection.js';
import { NatsClosedError, NatsProtocolError, NatsServerError } from './errors.js';
import { NatsParser } from './parser.js';
import type { NatsServerInfo } from './server-info.js';
import { hostPort } from './servers.js';

/** Sent as `lang` / `version` in `CONNECT`. */
const CLIENT_LANG = 'spreed-ts';
const CLIENT_VERSION = '1.0.0';

/**
 * Connects to `options.server` and does the handshake: reads its `INFO`, switches to TLS for a
 * `tls://` URL or when the server requires it, sends `CONNECT` and a `PING`, and resolves once the
 * `PONG` shows the server accepted us (an `-ERR` such as an authorization violation rejects).
 * Everything is bounded by `options.timeoutMs`.
 */
export function openConnection(
  options: ConnectionOptions,
  handler: ConnectionHandler,
): Promise<Connection> {
  const { server } = options;
  return new Promise((resolve, reject) => {
    let socket: Socket = createConnection({ host: server.host, port: server.port });
    socket.setNoDelay(true);
    let tls = false;
    let info: NatsServerInfo | undefined;
    let settled = false;
    let established: Connection | undefined;

    const detach = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const fail = (err: Error) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      detach();
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        if (established === undefined) {
          fail(err as Error);
          return;
        }
        // The read that completed the handshake carried more, and that was broken.
        established.abort(err);
        fail(err as Error);
        return;
      }
      // Resolved only after the whole read is parsed, so that the owner gets an open connection.
      if (established !== undefined && !settled) {
        settled = true;
        resolve(established);
      }
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new NatsClosedError(`${hostPort(server)} closed the connection`));
    const attach = () => {
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
    };
    const timer = setTimeout(
      () => fail(new NatsClosedError(`timed out connecting to ${hostPort(server)}`)),
      options.timeoutMs,
    );

    const sendConnect = () => {
      const connect: Record<string, unknown> = {
        verbose: false,
        pedantic: false,
        tls_required: tls,
        name: options.name,
        lang: CLIENT_LANG,
        version: CLIENT_VERSION,
        protocol: 1,
        echo: !options.noEcho,
      };
      if (server.user !== undefined) {
        connect.user = server.user;
        connect.pass = server.pass;
      }
      if (server.token !== undefined) {
        connect.auth_token = server.token;
      }
      socket.write(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`);
    };
    const upgrade = () => {
      detach();
      const plain = socket;
      socket = tlsConnect({
        ...options.tls,
        socket: plain,
        // Names the peer for the certificate check, which otherwise checks for `localhost`.
        host: server.host,
        ...(isIP(server.host) === 0 ? { servername: server.host } : {}),
      });
      tls = true;
      attach();
      socket.once('secureConnect', sendConnect);
    };

    const parser = new NatsParser({
      msg: () => fail(new NatsProtocolError('MSG before the handshake was done')),
      info: (received) => {
        const first = info === undefined;
        info = received;
        parser.maxPayload = received.max_payload;
        if (!first) {
          return;
        }
        if (received.tls_required) {
          upgrade();
        } else if (server.tls) {
          fail(new NatsProtocolError(`${hostPort(server)} does not offer TLS`));
        } else {
          sendConnect();
        }
      },
      ping: () => socket.write(PONG),
      pong: () => {
        if (info === undefined) {
          fail(new NatsProtocolError('PONG before INFO'));
          return;
        }
        clearTimeout(timer);
        detach();
        established = new Connection(socket, parser, info, tls, options, handler);
      },
      ok: () => undefined,
      err: (message) => fail(new NatsServerError(message)),
    });
    attach();
  });
}
