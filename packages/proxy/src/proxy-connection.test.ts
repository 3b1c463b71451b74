import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerSocket } from '@spreed-ts/server';
import { type ConnectionSocket, ProxyConnection } from './proxy-connection.js';

type Listener = Parameters<ServerSocket['listen']>[0];

/** A socket that records what the connection sends and how it closes. */
class FakeSocket implements ConnectionSocket {
  listener: Listener | undefined;
  readonly sent: string[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;
  listen(listener: Listener): void {
    this.listener = listener;
  }
  ping(): void {}
  terminate(): void {
    this.closedWith = { code: undefined, reason: 'terminated' };
  }
  send(text: string): void {
    this.sent.push(text);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.listener?.onClose();
  }
}

const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function connect(helloTimeoutMs: number) {
  const socket = new FakeSocket();
  let closed = 0;
  const connection = new ProxyConnection<string>(
    socket,
    '127.0.0.1',
    { onMessage: () => undefined, onClosed: () => void closed++ },
    silent,
    helloTimeoutMs,
  );
  return { socket, connection, closed: () => closed };
}

test('proxy connection - no hello in time: bye hello_timeout, then closed', async () => {
  const { socket, connection, closed } = connect(30);
  // Pings and pongs do not count as a hello.
  socket.listener?.onPong(Buffer.alloc(0));
  await tick(80);
  assert.deepEqual(
    socket.sent.map((text) => JSON.parse(text)),
    [{ type: 'bye', bye: { reason: 'hello_timeout' } }],
  );
  assert.equal(socket.closedWith?.code, 1000);
  assert.equal(connection.closed, true);
  assert.equal(closed(), 1);
});

test('proxy connection - a connection with a session is left open', async () => {
  const { socket, connection } = connect(30);
  connection.session = 'session';
  await tick(80);
  assert.deepEqual(socket.sent, []);
  assert.equal(socket.closedWith, undefined);
  assert.equal(connection.closed, false);
  connection.close();
});
