import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { readIntoSharedBuffer } from './shared-read-buffer.js';

/** A TCP server on port 0 whose first connection is handed to `accepted`. */
async function pair(t: {
  after(fn: () => void): void;
}): Promise<{ server: Socket; client: Socket }> {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const address = listener.address();
  assert.ok(address !== null && typeof address === 'object');
  const accepted = once(listener, 'connection');
  const client = connect(address.port, '127.0.0.1');
  const [server] = (await accepted) as [Socket];
  await once(client, 'connect');
  t.after(() => {
    client.destroy();
    server.destroy();
    listener.close();
  });
  return { server, client };
}

test('readIntoSharedBuffer - plain TCP sockets read into one reused buffer, in order, until the end', async (t) => {
  const a = await pair(t);
  const b = await pair(t);
  const seen: Array<{ text: string; memory: ArrayBufferLike }> = [];
  let ended = 0;
  for (const { server } of [a, b]) {
    // node 20 keeps `onread` under symbols this module finds; if that changes, reads fall back
    // to 'data' events and this test says so.
    assert.equal(
      readIntoSharedBuffer(server, (chunk) => {
        seen.push({ text: chunk.toString(), memory: chunk.buffer });
      }),
      true,
    );
    server.on('end', () => ended++);
  }
  a.client.write('one');
  await new Promise((resolve) => setTimeout(resolve, 20));
  b.client.write('two');
  await new Promise((resolve) => setTimeout(resolve, 20));
  a.client.end('three');
  b.client.end();
  while (ended < 2) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.deepEqual(
    seen.map((s) => s.text),
    ['one', 'two', 'three'],
  );
  assert.ok(
    seen.every((s) => s.memory === seen[0]?.memory),
    'every chunk lies in the same buffer',
  );
});

test('readIntoSharedBuffer - a large write arrives whole, over several reads', async (t) => {
  const { server, client } = await pair(t);
  const sent = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < sent.length; i++) {
    sent[i] = (i * 31) & 0xff;
  }
  const parts: Buffer[] = [];
  assert.equal(
    readIntoSharedBuffer(server, (chunk) => parts.push(Buffer.from(chunk))),
    true,
  );
  const ended = once(server, 'end');
  client.end(sent);
  await ended;
  assert.ok(parts.length > 1);
  assert.ok(Buffer.concat(parts).equals(sent));
});

test('readIntoSharedBuffer - declines a socket whose stream already holds unread data', async (t) => {
  const { server, client } = await pair(t);
  server.pause();
  client.write('early');
  while (server.readableLength === 0) {
    server.read(0);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(
    readIntoSharedBuffer(server, () => undefined),
    false,
  );
  assert.equal(server.read()?.toString(), 'early');
});

test('readIntoSharedBuffer - declines what is not a plain TCP socket', async () => {
  const { Duplex } = await import('node:stream');
  const { TLSSocket } = await import('node:tls');
  const tls = new TLSSocket(
    new Duplex({
      read() {},
      write(_c, _e, cb) {
        cb();
      },
    }),
  );
  assert.equal(
    readIntoSharedBuffer(tls, () => undefined),
    false,
  );
  tls.destroy();
});
