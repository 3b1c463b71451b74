import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { requireCjs } from '../../cjs.js';
import { silentLogger } from '../../logger.js';
import { ProxyPublisher, ProxySubscriber } from './proxy-clients.js';
import { ProxyConnection } from './proxy-connection.js';

const { WebSocketServer } = requireCjs('ws') as typeof import('ws');

type Frame = Record<string, unknown>;

/**
 * A WebSocket server at `/proxy` that answers hellos with numbered sessions (a resume keeps its
 * session while `resumable`) and commands with a client id; `bye` ends the session of every open
 * socket but leaves the sockets open, `drop` cuts every socket.
 */
async function fakeProxy() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/proxy' });
  await once(wss, 'listening');
  const hellos: Frame[] = [];
  const commands: Frame[] = [];
  let sessions = 0;
  const fake = {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    hellos,
    commands,
    resumable: true,
    bye(reason: string) {
      for (const socket of wss.clients) {
        socket.send(JSON.stringify({ type: 'bye', bye: { reason } }));
      }
    },
    drop() {
      for (const socket of wss.clients) {
        socket.terminate();
      }
    },
    close() {
      fake.drop();
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      const send = (m: unknown) => socket.send(JSON.stringify(m));
      if (frame.type === 'hello') {
        const hello = frame.hello as Frame;
        hellos.push(hello);
        const resumed = typeof hello.resumeid === 'string' && fake.resumable;
        const sessionid = resumed ? hello.resumeid : `s${++sessions}`;
        send({ id: frame.id, type: 'hello', hello: { version: '1.0', sessionid } });
      } else if (frame.type === 'command') {
        commands.push(frame.command as Frame);
        send({ id: frame.id, type: 'command', command: { id: 'c' } });
      }
    });
  });
  return fake;
}

function connectTo(url: string): ProxyConnection {
  return new ProxyConnection({
    url,
    token: () => 'token',
    timeoutMs: () => 2_000,
    skipVerify: false,
    logger: silentLogger,
    backoff: { initialMs: 20, maxMs: 40 },
  });
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('proxy connection - a bye on an open socket leads to a fresh hello, not a dead ready link', {
  timeout: 10_000,
}, async () => {
  const proxy = await fakeProxy();
  const connection = connectTo(proxy.url);
  try {
    const resets: string[] = [];
    connection.on('reset', (why) => resets.push(why));
    const first = once(connection, 'ready');
    connection.start();
    assert.deepEqual(await first, [false]);
    assert.equal(connection.sessionId, 's1');
    // The proxy ends the session (as when another server resumed it) but keeps the socket open.
    const down = once(connection, 'down');
    const second = once(connection, 'ready');
    proxy.bye('session_resumed');
    await down;
    assert.deepEqual(resets, ['bye: session_resumed']);
    assert.deepEqual(await second, [false]);
    assert.equal(connection.sessionId, 's2');
    // The second hello registers anew with a token; it does not resume the dropped session.
    assert.deepEqual(proxy.hellos, [
      { version: '1.0', token: 'token' },
      { version: '1.0', token: 'token' },
    ]);
    const answer = await connection.request({
      type: 'command',
      command: { type: 'create-publisher', streamType: 'video' },
    });
    assert.equal(answer.type, 'command');
  } finally {
    await connection.stop();
    await proxy.close();
  }
});

/** A publisher and a subscriber on `connection` (ids pub-1, sub-1). */
function clientsOn(connection: ProxyConnection) {
  const common = {
    sid: '',
    streamType: 'video' as const,
    publisherId: 'p',
    connection,
    logger: silentLogger,
    filter: () => ({ allowed: [], blocked: [] }) as never,
  };
  return [
    new ProxyPublisher({ ...common, clientId: 'pub-1', mediaTypes: 1, bitrate: 0 }),
    new ProxySubscriber({ ...common, clientId: 'sub-1' }),
  ];
}

test('proxy clients - closed while the link is down: deleted once the session is resumed', {
  timeout: 10_000,
}, async () => {
  const proxy = await fakeProxy();
  const connection = connectTo(proxy.url);
  try {
    const first = once(connection, 'ready');
    connection.start();
    await first;
    const down = once(connection, 'down');
    proxy.drop();
    await down;
    const resumed = once(connection, 'ready');
    for (const client of clientsOn(connection)) {
      await client.close();
    }
    assert.deepEqual(await resumed, [true]);
    await waitFor(() => proxy.commands.length === 2);
    assert.deepEqual(proxy.commands, [
      { type: 'delete-publisher', clientId: 'pub-1' },
      { type: 'delete-subscriber', clientId: 'sub-1' },
    ]);
    // Sent once: a later resume does not repeat them.
    const again = once(connection, 'ready');
    proxy.drop();
    assert.deepEqual(await again, [true]);
    await tick(50);
    assert.equal(proxy.commands.length, 2);
  } finally {
    await connection.stop();
    await proxy.close();
  }
});

test('proxy clients - closed while the link is down: nothing sent when the session is new', {
  timeout: 10_000,
}, async () => {
  const proxy = await fakeProxy();
  const connection = connectTo(proxy.url);
  try {
    const first = once(connection, 'ready');
    connection.start();
    await first;
    const down = once(connection, 'down');
    proxy.resumable = false;
    proxy.drop();
    await down;
    const ready = once(connection, 'ready');
    for (const client of clientsOn(connection)) {
      await client.close();
    }
    assert.deepEqual(await ready, [false]);
    // The proxy dropped them with the old session; a later resume of the new one sends nothing.
    proxy.resumable = true;
    const resumed = once(connection, 'ready');
    proxy.drop();
    assert.deepEqual(await resumed, [true]);
    await tick(50);
    assert.deepEqual(proxy.commands, []);
  } finally {
    await connection.stop();
    await proxy.close();
  }
});

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) {
    await tick(10);
  }
}
