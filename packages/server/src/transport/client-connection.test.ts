import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientConnection, type ConnectionHandler } from './client-connection.js';
import type { FrameListener, FrameSocket, ReadyState } from './websocket/frame-socket.js';

/** A FrameSocket that records pings, sends and closes; `bufferedAmount` is settable. */
class FakeSocket implements FrameSocket {
  bufferedAmount = 0;
  /** OPEN until closed. */
  readyState: ReadyState = 1;
  pings: string[] = [];
  sent: string[] = [];
  closed: [number, string] | undefined;
  listener: FrameListener | undefined;
  corks = 0;
  listen(listener: FrameListener) {
    this.listener = listener;
  }
  cork() {
    this.corks++;
  }
  uncork() {
    this.corks--;
  }
  ping(payload: string) {
    this.pings.push(payload);
  }
  send(text: string) {
    this.sent.push(text);
  }
  close(code: number, reason: string) {
    this.closed = [code, reason];
    this.readyState = 2;
  }
  terminate() {
    this.closed = [1006, ''];
  }
}

const handler: ConnectionHandler = {
  onText: () => undefined,
  onBinary: () => undefined,
  onClose: () => undefined,
};

test('connection observer - traffic, pings and round-trip times are reported', async () => {
  const socket = new FakeSocket();
  const connection = new ClientConnection(socket, '127.0.0.1', '', handler, {
    pingIntervalMs: 20,
    pongTimeoutMs: 10_000,
    maxBufferedBytes: 1024,
  });
  const events: string[] = [];
  connection.observer = {
    received: (bytes) => events.push(`in ${bytes}`),
    sent: (bytes) => events.push(`out ${bytes}`),
    pingSent: () => events.push('ping'),
    pong: (bytes, rtt) => events.push(`pong ${bytes} ${rtt === undefined ? '-' : 'rtt'}`),
  };
  socket.listener?.onText('{"type":"x"}', 12);
  assert.ok(connection.send('{"ü":1}'));
  while (socket.pings.length === 0) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const payload = socket.pings[0] as string;
  socket.listener?.onPong(Buffer.from(payload));
  socket.listener?.onPong(Buffer.from('not a time'));
  connection.close();
  assert.deepEqual(events.slice(0, 2), ['in 12', 'out 8']);
  assert.ok(events.includes('ping'));
  assert.ok(events.includes(`pong ${payload.length} rtt`));
  assert.ok(events.includes('pong 10 -'));
});

test('connection - a peer whose send buffer exceeds the limit is closed with 1008', () => {
  const socket = new FakeSocket();
  let closedCalls = 0;
  const connection = new ClientConnection(
    socket,
    '127.0.0.1',
    '',
    { ...handler, onClose: () => closedCalls++ },
    { pingIntervalMs: 60_000, pongTimeoutMs: 60_000, maxBufferedBytes: 1024 },
  );
  assert.ok(connection.send('a'));
  socket.bufferedAmount = 2048;
  assert.equal(connection.send('b'), false);
  assert.deepEqual(socket.closed, [1008, 'send queue full']);
  assert.equal(connection.isOpen, false);
  assert.equal(closedCalls, 1);
  assert.deepEqual(socket.sent, ['a']);
});

test('connection - frames for a socket that is already closing are reported unsent (the session queues them)', () => {
  const socket = new FakeSocket();
  const connection = new ClientConnection(socket, '127.0.0.1', 'test', handler);
  assert.equal(connection.send('before'), true);
  socket.readyState = 2; // the peer started the closing handshake
  assert.equal(connection.send('after'), false);
  assert.deepEqual(socket.sent, ['before']);
  connection.close();
});

test('connection - from the second frame of an event-loop iteration on, the socket is corked until its check phase', async () => {
  const socket = new FakeSocket();
  const connection = new ClientConnection(socket, '127.0.0.1', '', handler);
  let corkedAtSend: number[] = [];
  const send = socket.send.bind(socket);
  socket.send = (text: string) => {
    corkedAtSend.push(socket.corks);
    send(text);
  };
  connection.send('1');
  assert.deepEqual(corkedAtSend, [0]);
  connection.send('2');
  connection.send('3');
  assert.deepEqual(corkedAtSend, [0, 1, 1]);
  // Still corked after this callback's ticks and microtasks: other reads of the same iteration
  // may add frames for this peer.
  await new Promise((resolve) => process.nextTick(resolve));
  await Promise.resolve();
  assert.equal(socket.corks, 1);
  connection.send('3b');
  assert.deepEqual(corkedAtSend, [0, 1, 1, 1]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(socket.corks, 0);
  corkedAtSend = [];
  connection.send('4');
  assert.deepEqual(corkedAtSend, [0]);
  connection.close();
});
