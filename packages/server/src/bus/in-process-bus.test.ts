import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { InProcessBus, InProcessNetwork } from './in-process-bus.js';
import type { BusMessage } from './messages.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('in-process bus - delivers to the other buses of its network, never to itself', async () => {
  const network = new InProcessNetwork();
  const a = new InProcessBus({ network, serverId: 'a' });
  const b = new InProcessBus({ network, serverId: 'b' });
  const alone = new InProcessBus({ serverId: 'c' });
  const seen: string[] = [];
  for (const bus of [a, b, alone]) {
    bus.subscribe('s', (message, from) => seen.push(`${bus.serverId}<-${from}:${message.type}`));
  }
  a.publish('s', { type: 'goodbye' });
  alone.publish('s', { type: 'goodbye' });
  await tick();
  assert.deepEqual(seen, ['b<-a:goodbye']);
});

test('in-process bus - receivers get copies, in publication order', async () => {
  const network = new InProcessNetwork();
  const a = new InProcessBus({ network });
  const b = new InProcessBus({ network });
  const got: BusMessage[] = [];
  b.subscribe('s', (message) => got.push(message));
  const sent: BusMessage = { type: 'room-sync', rooms: ['x'] };
  a.publish('s', sent);
  a.publish('s', { type: 'room-sync', rooms: ['y'] });
  await tick();
  assert.deepEqual(got, [sent, { type: 'room-sync', rooms: ['y'] }]);
  assert.notEqual(got[0], sent);
});

test('in-process bus - requests gather replies until enough arrived or the time is up', async () => {
  const network = new InProcessNetwork();
  const asker = new InProcessBus({ network });
  const buses = [1, 2, 3].map((n) => new InProcessBus({ network, serverId: `s${n}` }));
  for (const [i, bus] of buses.entries()) {
    bus.subscribe('count', (_message, _from, reply) => {
      if (i < 2) {
        reply?.({ type: 'session-count-reply', count: i + 1 });
      }
    });
  }
  const ask: BusMessage = { type: 'session-count', backend: 'b' };
  const two = await asker.request('count', ask, { expected: 2, timeoutMs: 1000 });
  assert.deepEqual(two.map((r) => r.from).sort(), ['s1', 's2']);
  const started = Date.now();
  const partial = await asker.request('count', ask, { expected: 3, timeoutMs: 100 });
  assert.equal(partial.length, 2);
  assert.ok(Date.now() - started >= 90);
  const first = await asker.request('count', ask, {
    expected: 3,
    timeoutMs: 1000,
    done: () => true,
  });
  assert.equal(first.length, 1);
  assert.deepEqual(await asker.request('nobody', ask, { expected: 1, timeoutMs: 1000 }), []);
});

test('in-process bus - a cut-off bus neither sends nor receives, and reports its state', async () => {
  const network = new InProcessNetwork();
  const a = new InProcessBus({ network });
  const b = new InProcessBus({ network });
  const got: string[] = [];
  b.subscribe('s', (message) => got.push(message.type));
  const down = once(a.events, 'disconnected');
  network.setConnected(a, false);
  await down;
  assert.equal(a.connected, false);
  a.publish('s', { type: 'goodbye' });
  await tick();
  assert.deepEqual(got, []);
  const up = once(a.events, 'reconnected');
  network.setConnected(a, true);
  await up;
  a.publish('s', { type: 'goodbye' });
  await tick();
  assert.deepEqual(got, ['goodbye']);
  await a.close();
  a.publish('s', { type: 'goodbye' });
  await tick();
  assert.deepEqual(got, ['goodbye']);
});

test('in-process bus - a failing handler does not stop the others', async () => {
  const network = new InProcessNetwork();
  const a = new InProcessBus({ network });
  const b = new InProcessBus({ network });
  const got: string[] = [];
  b.subscribe('s', () => {
    throw new Error('boom');
  });
  const sub = b.subscribe('s', (message) => got.push(message.type));
  a.publish('s', { type: 'goodbye' });
  await tick();
  sub.unsubscribe();
  a.publish('s', { type: 'goodbye' });
  await tick();
  assert.deepEqual(got, ['goodbye']);
});
