import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { silentLogger } from '../logger.js';
import { InProcessBus, InProcessNetwork } from './in-process-bus.js';
import { Peers } from './peers.js';

function peersOn(network: InProcessNetwork, id: string, intervalMs = 50) {
  const bus = new InProcessBus({ network, serverId: id });
  const peers = new Peers({ bus, logger: silentLogger, version: 't', intervalMs });
  return { bus, peers };
}

test('peers - servers find each other at once and forget one that says goodbye', {
  timeout: 5000,
}, async () => {
  const network = new InProcessNetwork();
  const a = peersOn(network, 'a', 10_000);
  const b = peersOn(network, 'b', 10_000);
  const appeared = once(a.peers, 'appeared');
  a.peers.start();
  b.peers.start();
  assert.deepEqual(await appeared, ['b']);
  while (b.peers.size === 0) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(b.peers.ids(), ['a']);
  const gone = once(a.peers, 'gone');
  b.peers.close();
  assert.deepEqual(await gone, ['b', 'goodbye']);
  assert.equal(a.peers.size, 0);
  a.peers.close();
});

test('peers - a silent server is given up after its lifetime, but not while we are cut off', {
  timeout: 8000,
}, async (t) => {
  // Peer timers do not keep a process alive; this test has nothing else that does.
  const keepAlive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(keepAlive));
  const network = new InProcessNetwork();
  const a = peersOn(network, 'a');
  const b = peersOn(network, 'b');
  a.peers.start();
  b.peers.start();
  await once(a.peers, 'appeared');
  // A short outage: the others notice the new generation and fetch our state again.
  const restarted = once(b.peers, 'restarted');
  network.setConnected(a.bus, false);
  await new Promise((resolve) => setTimeout(resolve, 200));
  network.setConnected(a.bus, true);
  assert.deepEqual(await restarted, ['a']);
  // A long one: we give nobody up (silence is our fault), while the others give us up and see
  // us appear again afterwards.
  const bGaveUp = once(b.peers, 'gone');
  network.setConnected(a.bus, false);
  assert.deepEqual(await bGaveUp, ['a', 'timeout']);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(a.peers.size, 1);
  const resync = once(a.peers, 'resync');
  const back = once(b.peers, 'appeared');
  network.setConnected(a.bus, true);
  await resync;
  assert.deepEqual(await back, ['a']);
  // b dies without a goodbye.
  const started = Date.now();
  const gone = once(a.peers, 'gone');
  b.peers.removeAllListeners();
  await b.bus.close();
  assert.deepEqual(await gone, ['b', 'timeout']);
  const took = Date.now() - started;
  assert.ok(took <= a.peers.ttlMs + 200, `given up after ${took} ms`);
  a.peers.close();
});
