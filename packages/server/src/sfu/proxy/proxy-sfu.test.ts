import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { requireCjs } from '../../cjs.js';
import { silentLogger } from '../../logger.js';
import type { PublisherSettings } from '../sfu.js';
import { ProxySfu } from './proxy-sfu.js';
import type { ProxyUrlSource, ProxyUrlSourceEvents } from './proxy-sources.js';
import type { ProxyTokenSigner } from './proxy-token.js';

const { WebSocketServer } = requireCjs('ws') as typeof import('ws');

type Frame = Record<string, unknown>;
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A URL source the test drives. */
class TestSource extends EventEmitter<ProxyUrlSourceEvents> implements ProxyUrlSource {
  start(): void {}
  stop(): void {}
  reload(): void {}
}

test('proxy sfu - a closing connection is not stopped under a subscriber being created', {
  timeout: 10_000,
}, async () => {
  // A proxy that is slow (300 ms) to create subscribers.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/proxy' });
  await once(wss, 'listening');
  const commands: Frame[] = [];
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      const send = (m: unknown) => socket.send(JSON.stringify(m));
      if (frame.type === 'hello') {
        send({ id: frame.id, type: 'hello', hello: { version: '1.0', sessionid: 's1' } });
        send({ type: 'event', event: { type: 'update-load', load: 0 } });
        return;
      }
      const command = frame.command as Frame;
      commands.push(command);
      const id =
        command.type === 'create-publisher'
          ? 'pub-1'
          : command.type === 'create-subscriber'
            ? 'sub-1'
            : command.clientId;
      const delay = command.type === 'create-subscriber' ? 300 : 0;
      setTimeout(() => send({ id: frame.id, type: 'command', command: { id } }), delay);
    });
  });
  const url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  const source = new TestSource();
  const sfu = new ProxySfu({
    source,
    signer: { token: () => 'token' } as unknown as ProxyTokenSigner,
    timeoutMs: 2_000,
    proxyTimeoutMs: 2_000,
    limits: { maxStreamBitrate: 0, maxScreenBitrate: 0 },
    skipVerify: false,
    filter: () => ({ allowed: [], blocked: [] }) as never,
    geoip: { overrides: [], continentOverrides: {} } as never,
    logger: silentLogger,
  });
  try {
    const connected = once(sfu, 'connected');
    source.emit('added', { url });
    await connected;
    const settings = { bitrate: 0, mediaTypes: 1 } as PublisherSettings;
    const publisher = await sfu.newPublisher('p', 'sid', 'video', settings);
    // The proxy is no longer configured: its connection closes once it is unused.
    source.emit('removed', { url });
    const subscribing = sfu.newSubscriber('p', 'video', 2_000);
    while (!commands.some((c) => c.type === 'create-subscriber')) {
      await tick(10);
    }
    // The last tracked client goes while the create-subscriber is still in flight.
    await publisher.close();
    // The answer is not lost with a stopped connection: the subscriber it created is deleted.
    await assert.rejects(subscribing, /publisher p closed meanwhile/);
    assert.deepEqual(
      commands.map((c) => [c.type, c.clientId]),
      [
        ['create-publisher', undefined],
        ['create-subscriber', undefined],
        ['delete-publisher', 'pub-1'],
        ['delete-subscriber', 'sub-1'],
      ],
    );
    // Then the unused connection goes.
    while (wss.clients.size > 0) {
      await tick(10);
    }
  } finally {
    await sfu.close();
    for (const socket of wss.clients) {
      socket.terminate();
    }
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
});
