import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { requireCjs } from '../../cjs.js';
import { silentLogger } from '../../logger.js';
import { ProxyConnection } from './proxy-connection.js';

const { WebSocketServer } = requireCjs('ws') as typeof import('ws');

type Frame = Record<string, unknown>;

/**
 * A WebSocket server at `/proxy` that answers hellos with numbered sessions and commands with a
 * client id; `bye` ends the session of every open socket but leaves the sockets open.
 */
async function fakeProxy() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/proxy' });
  await once(wss, 'listening');
  const hellos: Frame[] = [];
  let sessions = 0;
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      const send = (m: unknown) => socket.send(JSON.stringify(m));
      if (frame.type === 'hello') {
        hellos.push(frame.hello as Frame);
        sessions++;
        send({ id: frame.id, type: 'hello', hello: { version: '1.0', sessionid: `s${sessions}` } });
      } else if (frame.type === 'command') {
        send({ id: frame.id, type: 'command', command: { id: 'c' } });
      }
    });
  });
  return {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    hellos,
    bye(reason: string) {
      for (const socket of wss.clients) {
        socket.send(JSON.stringify({ type: 'bye', bye: { reason } }));
      }
    },
    close() {
      for (const socket of wss.clients) {
        socket.terminate();
      }
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

test('proxy connection - a bye on an open socket leads to a fresh hello, not a dead ready link', {
  timeout: 10_000,
}, async () => {
  const proxy = await fakeProxy();
  const connection = new ProxyConnection({
    url: proxy.url,
    token: () => 'token',
    timeoutMs: () => 2_000,
    skipVerify: false,
    logger: silentLogger,
    backoff: { initialMs: 20, maxMs: 40 },
  });
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
