import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** A frame a fake proxy received, with the number of the connection it came on. */
export interface Received {
  conn: number;
  frame: Record<string, unknown>;
}

/** What a fake proxy does with each frame: `send` answers on the same connection. */
export type FakeHandler = (
  frame: Record<string, unknown>,
  send: (message: unknown) => void,
  socket: WebSocket,
  conn: number,
) => void;

/** A tiny WebSocket server at `/proxy` that plays a (misbehaving) signaling proxy. */
export interface FakeProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  received: Received[];
  /** Connections accepted so far. */
  connections: number;
  /** The open connections. */
  sockets: Set<WebSocket>;
  /** Frames sent on connect, before anything is received (e.g. garbage). */
  onConnect?: (socket: WebSocket, conn: number) => void;
  close(): Promise<void>;
}

/** Starts a fake proxy on a free loopback port. */
export async function startFakeProxy(handler: FakeHandler): Promise<FakeProxy> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/proxy' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  const fake: FakeProxy = {
    url: `http://127.0.0.1:${port}/`,
    received: [],
    connections: 0,
    sockets: new Set(),
    async close() {
      for (const client of wss.clients) {
        client.terminate();
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    [Symbol.asyncDispose]() {
      return fake.close();
    },
  };
  wss.on('connection', (socket) => {
    const conn = ++fake.connections;
    fake.sockets.add(socket);
    socket.on('close', () => fake.sockets.delete(socket));
    fake.onConnect?.(socket, conn);
    socket.on('message', (data) => {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      fake.received.push({ conn, frame });
      handler(frame, (message) => socket.send(JSON.stringify(message)), socket, conn);
    });
  });
  return fake;
}

/** Answers a hello the way a proxy does (a new session, or the resumed one). */
export function helloAnswer(frame: Record<string, unknown>, sessionid: string): unknown {
  return {
    id: frame.id,
    type: 'hello',
    hello: { version: '1.0', sessionid, server: { version: 'fake', features: [] } },
  };
}
