import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { NatsClient, NatsProtocolError, NatsServerError } from '@spreed-ts/server';

const INFO = (extra = '') =>
  `INFO {"server_id":"FAKE","version":"0.0.0","max_payload":1024${extra}}\r\n`;

/** The next `event` of the client (`once()` of node:events would reject on its `error` events). */
const next = (client: NatsClient, event: 'reconnect' | 'disconnect' | 'stale') =>
  new Promise<unknown[]>((resolve) => client.once(event, (...args: unknown[]) => resolve(args)));

/**
 * A scripted NATS server on 127.0.0.1:0 for faults a real one does not produce: `script` gets the
 * socket and the number of the connection (1, 2, …) and decides what to send.
 */
async function fakeServer(
  script: (socket: Socket, n: number) => void,
): Promise<{ server: Server; url: string; connections: () => number } & AsyncDisposable> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    script(socket, ++count);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return {
    server,
    url: `nats://127.0.0.1:${address.port}`,
    connections: () => count,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) {
        socket.destroy();
      }
      server.close();
      await once(server, 'close');
    },
  };
}

/** Acts like a server until the handshake is done, then calls `after`. */
function handshake(socket: Socket, after: () => void, info = INFO()): void {
  socket.write(info);
  let seen = '';
  const onData = (chunk: Buffer) => {
    seen += chunk.toString();
    if (seen.includes('PING\r\n')) {
      socket.off('data', onData);
      socket.write('PONG\r\n');
      after();
    }
  };
  socket.on('data', onData);
}

test('nats client - garbage from the server after the handshake: error, reconnect, no crash', {
  timeout: 20_000,
}, async () => {
  const garbage = [
    'MSG a 1 xyz\r\n',
    'WHAT IS THIS\r\n',
    `MSG a 1 ${1024 + 64 * 1024}\r\n`,
    `${'x'.repeat(10_000)}`,
    'MSG a 1 3\r\nabcdef\r\n',
    Buffer.from([0xff, 0xfe, 0x00, 0x0a]),
  ];
  // The first connection behaves for a moment, each later one sends one kind of garbage (in the
  // read with the PONG or after it, as it happens), the last one behaves.
  await using fake = await fakeServer((socket, n) =>
    handshake(socket, () => {
      if (n === 1) {
        setTimeout(() => socket.destroy(), 50);
        return;
      }
      const bad = garbage[n - 2];
      if (bad !== undefined) {
        socket.write(bad);
        return;
      }
      socket.on('data', (chunk: Buffer) => {
        if (chunk.includes('PING\r\n')) {
          socket.write('PONG\r\n');
        }
      });
    }),
  );
  const client = await NatsClient.connect({
    servers: [fake.url],
    reconnectWaitMs: 10,
    reconnectJitterMs: 5,
  });
  const violations: Error[] = [];
  client.on('error', (err) => {
    if (err instanceof NatsProtocolError) {
      violations.push(err);
    }
  });
  try {
    const deadline = Date.now() + 10_000;
    while (fake.connections() < garbage.length + 2 || !client.connected) {
      assert.ok(Date.now() < deadline, `${fake.connections()} connections`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(violations.length, garbage.length, violations.map((e) => e.message).join('; '));
    // The last connection behaves: the client is connected and flushes.
    await client.flush();
    assert.equal(fake.connections(), garbage.length + 2);
  } finally {
    await client.close();
  }
});

test('nats client - -ERR after the handshake is reported, the connection stays', {
  timeout: 20_000,
}, async () => {
  await using fake = await fakeServer((socket) =>
    handshake(socket, () => {
      socket.write('-ERR \'Permissions Violation for Publish to "x"\'\r\n');
      socket.on('data', (chunk: Buffer) => {
        if (chunk.includes('PING\r\n')) {
          socket.write('PONG\r\n');
        }
      });
    }),
  );
  const client = await NatsClient.connect({ servers: [fake.url] });
  try {
    const [err] = await once(client, 'error');
    assert.ok(err instanceof NatsServerError);
    assert.match(err.serverMessage, /^Permissions Violation/);
    await client.flush();
    assert.equal(client.connected, true);
  } finally {
    await client.close();
  }
});

test('nats client - unanswered pings make the connection stale and it is re-established', {
  timeout: 20_000,
}, async () => {
  // Answers the handshake, then ignores everything.
  await using fake = await fakeServer((socket) => handshake(socket, () => undefined));
  const client = await NatsClient.connect({
    servers: [fake.url],
    pingIntervalMs: 30,
    maxPingOut: 2,
    reconnectWaitMs: 10,
  });
  client.on('error', () => undefined);
  try {
    const stale = next(client, 'stale');
    const lost = next(client, 'disconnect');
    await stale;
    await lost;
    await next(client, 'reconnect');
    assert.ok(fake.connections() >= 2);
  } finally {
    await client.close();
  }
});

test('nats client - a broken handshake rejects the first connection, bounded in time', {
  timeout: 20_000,
}, async () => {
  await using garbage = await fakeServer((socket) => socket.write('HELLO\r\n'));
  await assert.rejects(NatsClient.connect({ servers: [garbage.url] }), NatsProtocolError);
  await using silent = await fakeServer(() => undefined);
  const started = Date.now();
  await assert.rejects(
    NatsClient.connect({ servers: [silent.url], timeoutMs: 200 }),
    /timed out connecting/,
  );
  assert.ok(Date.now() - started < 2000);
  await using msgFirst = await fakeServer((socket) =>
    handshake(socket, () => undefined, `${INFO()}MSG a 1 1\r\nx\r\n`),
  );
  await assert.rejects(NatsClient.connect({ servers: [msgFirst.url] }), /before the handshake/);
  await using hugeInfo = await fakeServer((socket) =>
    socket.write(`INFO {"server_id":"${'s'.repeat(100_000)}"}\r\n`),
  );
  await assert.rejects(NatsClient.connect({ servers: [hugeInfo.url] }), /control line longer/);
});

test('nats client - discovered cluster URLs are tried when the first server goes away', {
  timeout: 20_000,
}, async () => {
  let secondUrl = '';
  await using second = await fakeServer((socket) =>
    handshake(socket, () => {
      socket.on('data', (chunk: Buffer) => {
        if (chunk.includes('PING\r\n')) {
          socket.write('PONG\r\n');
        }
      });
    }),
  );
  secondUrl = second.url;
  // The first server names the second in connect_urls, then drops the client for good.
  await using first = await fakeServer((socket, n) => {
    if (n > 1) {
      socket.destroy();
      return;
    }
    const peer = secondUrl.replace('nats://', '');
    handshake(socket, () => socket.destroy(), INFO(`,"connect_urls":["${peer}"]`));
  });
  const client = await NatsClient.connect({ servers: [first.url], reconnectWaitMs: 10 });
  client.on('error', () => undefined);
  try {
    const [url] = await next(client, 'reconnect');
    assert.equal(url, second.url);
    assert.equal(client.connectedUrl, second.url);
  } finally {
    await client.close();
  }
});
