import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { acceptUpgrade } from './accept-upgrade.js';
import type { ServerSocket } from './server-socket.js';

/** What `accepted` threw, passed on by acceptUpgrade. */
const thrown: unknown[] = [];

/** An http.Server on port 0 whose upgrades go through acceptUpgrade on `/spreed`. */
async function start(
  t: { after(fn: () => Promise<void>): void },
  accepted: (ws: ServerSocket, socket: Socket) => void,
): Promise<number> {
  const server = http.createServer();
  const sockets: Socket[] = [];
  server.on('upgrade', (req, duplex, head) => {
    sockets.push(duplex as Socket);
    try {
      acceptUpgrade(
        req,
        duplex,
        head,
        { paths: ['/spreed'], maxMessageBytes: 1024, headers: { Server: 'test' } },
        (ws) => accepted(ws, duplex as Socket),
      );
    } catch (err) {
      thrown.push(err);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const socket of sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

/** Sends a raw upgrade request for `path` and collects everything the server writes. */
async function rawUpgrade(
  port: number,
  path: string,
): Promise<{ text: () => string; socket: Socket }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  return { text: () => received, socket };
}

test('acceptUpgrade - the 101 waits while accepted runs, then leaves with its first frames in one write', async (t) => {
  let heldBack = -1;
  let writes = 0;
  const port = await start(t, (ws, socket) => {
    // Not yet handed to the kernel: still in the stream's buffer.
    heldBack = socket.writableLength;
    const write = socket._writev?.bind(socket);
    const writeOne = socket._write.bind(socket);
    socket._write = (chunk, encoding, callback) => {
      writes++;
      writeOne(chunk, encoding, callback);
    };
    if (write !== undefined) {
      socket._writev = (chunks, callback) => {
        writes++;
        write(chunks, callback);
      };
    }
    ws.send('{"type":"welcome"}');
  });
  const client = await rawUpgrade(port, '/spreed');
  t.after(() => client.socket.destroy());
  while (!client.text().includes('welcome')) {
    await once(client.socket, 'data');
  }
  assert.ok(heldBack > 0, 'the 101 was written before accepted ran');
  assert.equal(writes, 1);
  const text = client.text();
  assert.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(text, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\nServer: test\r\n\r\n/);
  assert.ok(text.indexOf('\r\n\r\n') < text.indexOf('{"type":"welcome"}'));
});

test('acceptUpgrade - other paths get 404 and accepted is not called', async (t) => {
  let called = false;
  const port = await start(t, () => {
    called = true;
  });
  const client = await rawUpgrade(port, '/other');
  await once(client.socket, 'close');
  assert.match(client.text(), /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.equal(called, false);
});

test('acceptUpgrade - an exception in accepted still releases the 101', async (t) => {
  const port = await start(t, (ws) => {
    ws.send('{"type":"first"}');
    throw new Error('boom');
  });
  const client = await rawUpgrade(port, '/spreed');
  t.after(() => client.socket.destroy());
  while (!client.text().includes('first')) {
    await once(client.socket, 'data');
  }
  assert.match(client.text(), /^HTTP\/1\.1 101 /);
  assert.equal(String(thrown.at(-1)), 'Error: boom');
});
