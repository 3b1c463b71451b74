import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { type BusMessage, NatsBus, silentLogger } from '@spreed-ts/server';
import { startNats } from '@spreed-ts/testkit';

const waitFor = async (check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

test('nats bus - publish, no echo, scatter-gather requests, masked credentials', {
  timeout: 30_000,
}, async () => {
  await using nats = await startNats();
  const a = new NatsBus({ urls: [nats.url], logger: silentLogger, serverId: 'a' });
  const b = new NatsBus({ urls: [nats.url], logger: silentLogger, serverId: 'b' });
  try {
    const connected = Promise.all([once(a.events, 'connected'), once(b.events, 'connected')]);
    a.start();
    b.start();
    await connected;
    const got: string[] = [];
    a.subscribe('t', (message, from) => got.push(`a<-${from}:${message.type}`));
    b.subscribe('t', (message, from, reply) => {
      got.push(`b<-${from}:${message.type}`);
      reply?.({ type: 'session-count-reply', count: 7 });
    });
    // b's subscription is live once the NATS server has processed it: ask until it answers.
    let replies: Awaited<ReturnType<NatsBus['request']>> = [];
    for (let i = 0; i < 20 && replies.length === 0; i++) {
      replies = await a.request(
        't',
        { type: 'session-count', backend: 'x' },
        { expected: 1, timeoutMs: 100 },
      );
    }
    assert.deepEqual(replies, [{ from: 'b', message: { type: 'session-count-reply', count: 7 } }]);
    // No echo: a never got its own requests.
    assert.ok(got.length > 0 && got.every((entry) => entry === 'b<-a:session-count'));
    got.length = 0;
    b.publish('t', { type: 'goodbye' });
    await waitFor(() => got.length === 1);
    assert.deepEqual(got, ['a<-b:goodbye']);
    const info = a.info();
    assert.equal(info.kind, 'nats');
    assert.equal(info.connectedUrl, nats.url);
    const masked = new NatsBus({ urls: ['nats://user:secret@h:4222'], logger: silentLogger });
    assert.deepEqual(masked.info().urls, ['nats://***@h:4222']);
  } finally {
    await a.close();
    await b.close();
  }
});

test('nats bus - starts without NATS, connects later, survives a restart, resubscribes', {
  timeout: 30_000,
}, async () => {
  await using nats = await startNats();
  await nats.stop();
  const lines: string[] = [];
  const logger = { ...silentLogger };
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    logger[level] = (message: string) => lines.push(`${level} ${message}`);
  }
  const a = new NatsBus({ urls: [nats.url], logger, serverId: 'a', reconnectWaitMs: 200 });
  const b = new NatsBus({ urls: [nats.url], logger: silentLogger, serverId: 'b' });
  try {
    a.start();
    const got: BusMessage[] = [];
    a.subscribe('t', (message) => got.push(message));
    await waitFor(() => lines.includes('warn cannot connect to NATS, retrying'));
    assert.equal(a.connected, false);
    a.publish('t', { type: 'goodbye' });
    await nats.restart();
    await once(a.events, 'connected');
    b.start();
    await once(b.events, 'connected');
    await a.request('nobody', { type: 'goodbye' }, { expected: 1, timeoutMs: 100 });
    b.publish('t', { type: 'goodbye' });
    await waitFor(() => got.length === 1);
    const lost = once(a.events, 'disconnected');
    await nats.kill();
    await lost;
    assert.equal(a.connected, false);
    const back = once(a.events, 'reconnected');
    await nats.restart();
    await back;
    assert.ok(lines.includes('warn NATS connection lost, reconnecting'));
    assert.ok(lines.includes('info NATS connection restored'));
    await waitFor(() => b.connected);
    // The subscription came back with the connection.
    await a.request('nobody', { type: 'goodbye' }, { expected: 1, timeoutMs: 100 });
    b.publish('t', { type: 'goodbye' });
    await waitFor(() => got.length === 2);
  } finally {
    await a.close();
    await b.close();
  }
});
