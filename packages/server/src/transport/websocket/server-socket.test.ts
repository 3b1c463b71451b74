import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { silentLogger } from '../../logger.js';
import { HttpServer, type HttpServerOptions, MAX_FRAME_BYTES } from '../http-server.js';
import { CLOSED, CLOSING, type FrameSocket, OPEN } from './frame-socket.js';
import { acceptResponse, checkUpgrade } from './handshake.js';
import { ServerSocket } from './server-socket.js';
import { clientFrame, closePayload } from './test-frames.js';

/** What the server side of one connection saw. */
interface ServerSide {
  socket: FrameSocket;
  closes: number;
  closed: Promise<void>;
}

/**
 * A real HttpServer on port 0 whose `/spreed` connections echo text (`echo:<text>`), answer
 * `close` with a close(4000), `ping:<x>` with a ping carrying x, `burst:<n>` with n corked
 * frames, and report pongs (`pong:<payload>`) and binary messages (`binary:<bytes>`).
 */
async function startEcho(t: { after(fn: () => Promise<void>): void }) {
  const sides: ServerSide[] = [];
  const server = new HttpServer({
    logger: silentLogger,
    version: 'test',
    serverHeader: 'spreed-ts/test',
    featuresHeader: () => 'a, b',
    onWebSocket: (socket) => {
      let closed: () => void = () => undefined;
      const side: ServerSide = {
        socket,
        closes: 0,
        closed: new Promise((resolve) => {
          closed = resolve;
        }),
      };
      sides.push(side);
      socket.listen({
        onText: (text) => {
          if (text === 'close') {
            socket.close(4000, 'server says bye');
          } else if (text.startsWith('ping:')) {
            socket.ping(text.slice(5));
          } else if (text.startsWith('burst:')) {
            socket.cork();
            for (let i = 0; i < Number(text.slice(6)); i++) {
              socket.send(`b${i}`);
            }
            socket.uncork();
          } else {
            socket.send(`echo:${text}`);
          }
        },
        onBinary: (data) => socket.send(`binary:${data.length}`),
        onPong: (payload) => socket.send(`pong:${payload.toString()}`),
        onClose: () => {
          side.closes++;
          closed();
        },
      });
    },
    backendApi: {} as HttpServerOptions['backendApi'],
  });
  const port = await server.listen(
    { kind: 'tcp', host: '127.0.0.1', port: 0 },
    { readTimeoutMs: 15_000, writeTimeoutMs: 30_000 },
  );
  t.after(() => server.close());
  return { port, sides, url: `ws://127.0.0.1:${port}/spreed` };
}

async function open(url: string): Promise<{ ws: WebSocket; headers: http.IncomingHttpHeaders }> {
  const ws = new WebSocket(url);
  // 'open' follows 'upgrade' synchronously: wait for both at once.
  const [[res]] = (await Promise.all([once(ws, 'upgrade'), once(ws, 'open')])) as [
    [http.IncomingMessage],
    unknown,
  ];
  return { ws, headers: res.headers };
}

function nextText(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(String(data))));
}

async function closeEvent(ws: WebSocket): Promise<[number, string]> {
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return [code, reason.toString()];
}

test('websocket - text both ways, multi-byte UTF-8, binary; the 101 carries our headers', async (t) => {
  const { url, sides } = await startEcho(t);
  const { ws, headers } = await open(url);
  assert.equal(headers.server, 'spreed-ts/test');
  assert.equal(headers['x-spreed-signaling-features'], 'a, b');
  assert.equal(headers['sec-websocket-extensions'], undefined);
  for (const text of ['hello', '', 'Grüße 👋 ✓', 'ä'.repeat(200), 'x'.repeat(30_000)]) {
    ws.send(text);
    assert.equal(await nextText(ws), `echo:${text}`);
  }
  ws.send(Buffer.from([1, 2, 3]));
  assert.equal(await nextText(ws), 'binary:3');
  assert.equal(sides[0]?.socket.readyState, OPEN);
  ws.close();
  await sides[0]?.closed;
});

test('websocket - a 64 KiB frame is accepted, a larger one closes with 1009', async (t) => {
  const { url, sides } = await startEcho(t);
  const { ws } = await open(url);
  const exact = 'é'.repeat(MAX_FRAME_BYTES / 2);
  ws.send(exact);
  // The echo is longer than 64 KiB: sent with a 64-bit length.
  assert.equal(await nextText(ws), `echo:${exact}`);
  ws.send(`${exact}x`);
  assert.deepEqual(await closeEvent(ws), [1009, 'message too big']);
  await sides[0]?.closed;
  assert.equal(sides[0]?.closes, 1);
});

test('websocket - a client close is answered with the same code', async (t) => {
  const { url, sides } = await startEcho(t);
  const { ws } = await open(url);
  ws.close(4321, 'client says bye');
  assert.deepEqual(await closeEvent(ws), [4321, '']);
  const side = sides[0] as ServerSide;
  await side.closed;
  assert.notEqual(side.socket.readyState, OPEN);
  // Sends after the close are dropped, not thrown.
  side.socket.send('late');
  side.socket.ping('late');
  side.socket.close(1000, '');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(side.socket.readyState, CLOSED);
  assert.equal(side.closes, 1);
});

test('websocket - a server close reaches the client with code and reason', async (t) => {
  const { url, sides } = await startEcho(t);
  const { ws } = await open(url);
  ws.send('close');
  assert.deepEqual(await closeEvent(ws), [4000, 'server says bye']);
  const side = sides[0] as ServerSide;
  assert.equal(side.closes, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(side.socket.readyState, CLOSED);
});

test('websocket - pings both ways', async (t) => {
  const { url } = await startEcho(t);
  const { ws } = await open(url);
  ws.ping('from client');
  const [pong] = (await once(ws, 'pong')) as [Buffer];
  assert.equal(pong.toString(), 'from client');
  ws.send('ping:1700000000000');
  assert.equal(await nextText(ws), 'pong:1700000000000');
  ws.terminate();
});

test('websocket - corked frames leave together; a vanished client is noticed once', async (t) => {
  const { url, sides } = await startEcho(t);
  const { ws } = await open(url);
  const got: string[] = [];
  ws.on('message', (data) => got.push(String(data)));
  ws.send('burst:50');
  while (got.length < 50) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.deepEqual(
    got,
    Array.from({ length: 50 }, (_, i) => `b${i}`),
  );
  ws.terminate();
  const side = sides[0] as ServerSide;
  await side.closed;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(side.closes, 1);
  assert.equal(side.socket.readyState, CLOSED);
});

/** Server frames (unmasked) read from a raw socket. */
class FrameReader {
  #data = Buffer.alloc(0);
  readonly frames: { opcode: number; payload: Buffer }[] = [];
  /** The HTTP response head, once complete. */
  head: string | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#data = Buffer.concat([this.#data, chunk]);
      if (this.head === undefined) {
        const end = this.#data.indexOf('\r\n\r\n');
        if (end < 0) {
          return;
        }
        this.head = this.#data.subarray(0, end).toString('latin1');
        this.#data = this.#data.subarray(end + 4);
      }
      for (;;) {
        const d = this.#data;
        if (d.length < 2) {
          return;
        }
        let length = d[1]! & 0x7f;
        let at = 2;
        if (length === 126) {
          length = d.length >= 4 ? d.readUInt16BE(2) : Number.POSITIVE_INFINITY;
          at = 4;
        } else if (length === 127) {
          length = d.length >= 10 ? d.readUInt32BE(6) : Number.POSITIVE_INFINITY;
          at = 10;
        }
        assert.equal(d[1]! & 0x80, 0, 'server frames are not masked');
        if (d.length < at + length) {
          return;
        }
        this.frames.push({ opcode: d[0]! & 0x0f, payload: d.subarray(at, at + length) });
        this.#data = d.subarray(at + length);
      }
    });
  }

  async waitFor(count: number): Promise<void> {
    while (this.frames.length < count) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

function upgradeRequest(port: number, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  return `GET /spreed HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}

async function rawConnect(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

test('websocket - frames sent with the upgrade request and many frames in one write', async (t) => {
  const { port } = await startEcho(t);
  const socket = await rawConnect(port);
  t.after(() => socket.destroy());
  const reader = new FrameReader(socket);
  // The first frame travels in the same write as the handshake (the `head` of the upgrade).
  socket.write(Buffer.concat([Buffer.from(upgradeRequest(port)), clientFrame(0x1, 'first')]));
  await reader.waitFor(1);
  assert.match(reader.head ?? '', /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  socket.write(Buffer.concat(Array.from({ length: 200 }, (_, i) => clientFrame(0x1, `m${i}`))));
  await reader.waitFor(201);
  assert.deepEqual(
    reader.frames.map((f) => f.payload.toString()),
    ['echo:first', ...Array.from({ length: 200 }, (_, i) => `echo:m${i}`)],
  );
  // A protocol violation: a close frame with 1002, then the server ends the connection.
  socket.write(clientFrame(0x1, 'unmasked', { masked: false }));
  await once(socket, 'end');
  const last = reader.frames.at(-1);
  assert.equal(last?.opcode, 0x8);
  assert.equal(last?.payload.readUInt16BE(0), 1002);
});

test('websocket - a close frame from a raw client is echoed and the server ends first', async (t) => {
  const { port, sides } = await startEcho(t);
  const socket = await rawConnect(port);
  t.after(() => socket.destroy());
  const reader = new FrameReader(socket);
  socket.write(upgradeRequest(port));
  socket.write(clientFrame(0x8, closePayload(1001, 'going away')));
  await once(socket, 'end');
  assert.equal(reader.frames.length, 1);
  assert.deepEqual(reader.frames[0]?.payload, closePayload(1001));
  const side = sides[0] as ServerSide;
  assert.equal(side.socket.readyState, CLOSING);
  socket.end();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(side.socket.readyState, CLOSED);
  assert.equal(side.closes, 1);
});

test('websocket - bad handshakes get an HTTP error and the connection is closed', async (t) => {
  const { port, sides } = await startEcho(t);
  const answer = async (request: string) => {
    const socket = await rawConnect(port);
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.write(request);
    await once(socket, 'close');
    return text;
  };
  const version = await answer(upgradeRequest(port, { 'Sec-WebSocket-Version': '8' }));
  assert.match(version, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
  assert.match(version, /\r\nSec-WebSocket-Version: 13\r\n/);
  const key = await answer(upgradeRequest(port, { 'Sec-WebSocket-Key': 'short' }));
  assert.match(key, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const path = await answer(upgradeRequest(port).replace('/spreed', '/other'));
  assert.match(path, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.equal(sides.length, 0);
});

test('websocket - HTTP server timeouts do not end an idle WebSocket', async (t) => {
  const sockets: ServerSocket[] = [];
  const server = http.createServer({
    requestTimeout: 300,
    headersTimeout: 200,
    connectionsCheckingInterval: 50,
  });
  server.timeout = 200;
  server.keepAliveTimeout = 200;
  server.on('upgrade', (req, raw: Socket, head: Buffer) => {
    const key = checkUpgrade(req) as string;
    const ws = new ServerSocket(raw, head, { maxMessageBytes: 1024 });
    raw.write(acceptResponse(key, ''));
    ws.listen({
      onText: (text) => ws.send(text),
      onBinary: () => undefined,
      onPong: () => undefined,
      onClose: () => undefined,
    });
    sockets.push(ws);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.close();
    server.closeAllConnections();
  });
  const { port } = server.address() as { port: number };
  const { ws } = await open(`ws://127.0.0.1:${port}/`);
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.equal(ws.readyState, WebSocket.OPEN);
  ws.send('still there');
  assert.equal(await nextText(ws), 'still there');
  ws.terminate();
});

test('websocket - a peer that pings without reading is closed, not buffered forever', {
  timeout: 30_000,
}, async (t) => {
  const { port, sides } = await startEcho(t);
  const socket = await rawConnect(port);
  t.after(() => socket.destroy());
  socket.write(upgradeRequest(port));
  // Never read: pongs pile up in the kernel buffers first, then in the server's send buffer.
  socket.pause();
  while (sides.length === 0) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  const side = sides[0] as ServerSide;
  let gone = false;
  void side.closed.then(() => {
    gone = true;
  });
  const batch = Buffer.concat(
    Array.from({ length: 1000 }, () => clientFrame(0x9, 'p'.repeat(125))),
  );
  // Bounded: about 50 MB of pings at most (the kernel buffers hold a few MB of pongs).
  for (let i = 0; i < 400 && !gone; i++) {
    if (!socket.write(batch)) {
      await Promise.race([
        once(socket, 'drain'),
        side.closed,
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ]);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  socket.destroy();
  assert.ok(gone, 'the server should close a connection that does not read its pongs');
  assert.equal(side.socket.readyState === OPEN, false);
});
