import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from '@spreed-ts/testkit';
import { isEvent, joinedIds, seesJoin } from '../server/helpers/rooms-env.js';
import { startClusterEnv } from './helpers/cluster-env.js';

const dataOf = (frame: Frame) => (frame.message as { data: unknown }).data;

async function metric(httpUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${httpUrl}metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

test('nats cluster - NATS dies and comes back: local service goes on, then the cluster heals', {
  timeout: 60_000,
}, async () => {
  await using env = await startClusterEnv();
  for (const user of ['alice', 'bob', 'carol', 'dave']) {
    env.dev.addUser(user);
  }
  env.dev.createRoom({ token: 'outage', owner: 'alice' });
  const alice = await env.joined(0, 'outage', 'alice');
  const carol = await env.joined(0, 'outage', 'carol');
  const bob = await env.joined(1, 'outage', 'bob');
  await seesJoin(alice.client, bob.sessionId);
  await seesJoin(carol.client, bob.sessionId);
  await seesJoin(bob.client, carol.sessionId);

  await env.nats.kill();
  for (const server of env.servers) {
    await server.waitForLog(/NATS connection lost/);
  }
  assert.equal(await metric(env.servers[0]?.httpUrl ?? '', 'signaling_nats_connected'), 0);
  // Each server keeps serving its own clients.
  alice.client.send({ type: 'message', message: { recipient: { type: 'room' }, data: 'local' } });
  assert.equal(dataOf(await carol.client.next('message')), 'local');
  const dave = await env.joined(1, 'outage', 'dave');
  const daveList = await dave.client.next(isEvent('room', 'join'));
  assert.ok(joinedIds(daveList).includes(bob.sessionId));
  await seesJoin(bob.client, dave.sessionId);
  // Nobody is given up while the bus is down.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await alice.client.expectNothing(isEvent('room', 'leave'), 100);

  await env.nats.restart();
  for (const server of env.servers) {
    await server.waitForLog(/NATS connection restored/, 15_000);
  }
  // What happened during the outage arrives after the resync.
  await seesJoin(alice.client, dave.sessionId);
  await seesJoin(carol.client, dave.sessionId);
  alice.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: dave.sessionId }, data: 'healed' },
  });
  assert.equal(dataOf(await dave.client.next('message')), 'healed');
  bob.client.send({ type: 'message', message: { recipient: { type: 'room' }, data: 'all' } });
  for (const who of [alice, carol, dave]) {
    assert.equal(
      dataOf(await who.client.next((f) => f.type === 'message' && dataOf(f) === 'all')),
      'all',
    );
  }
  await alice.client.expectNothing(isEvent('room', 'leave'), 100);
  const url = env.servers[0]?.httpUrl ?? '';
  assert.equal(await metric(url, 'signaling_nats_connected'), 1);
  assert.ok(((await metric(url, 'signaling_nats_reconnects_total')) ?? 0) >= 1);
  assert.equal(await metric(url, 'signaling_cluster_peers'), 2);
});

test('nats cluster - a server that dies leaves no ghosts in the rooms of the others', {
  timeout: 60_000,
}, async () => {
  await using env = await startClusterEnv();
  for (const user of ['alice', 'bob', 'carol']) {
    env.dev.addUser(user);
  }
  env.dev.createRoom({ token: 'ghost', owner: 'alice' });
  const alice = await env.joined(0, 'ghost', 'alice');
  const bob = await env.joined(1, 'ghost', 'bob');
  const carol = await env.joined(2, 'ghost', 'carol');
  await seesJoin(alice.client, carol.sessionId);
  await seesJoin(carol.client, bob.sessionId);

  const killedAt = Date.now();
  await env.servers[1]?.kill('SIGKILL');
  for (const who of [alice, carol]) {
    const leave = await who.client.next(isEvent('room', 'leave'), 10_000);
    assert.deepEqual((leave.event as { leave: string[] }).leave, [bob.sessionId]);
  }
  // Heartbeats every second, given up after three missed ones (plus a second).
  assert.ok(Date.now() - killedAt < 8000, `took ${Date.now() - killedAt} ms`);
  await env.servers[0]?.waitForLog(/cluster peer gone.*reason=timeout/);
  assert.equal(await metric(env.servers[0]?.httpUrl ?? '', 'signaling_cluster_peers'), 1);
  // A message to the dead server's session goes nowhere; the others still talk.
  alice.client.send({ type: 'message', message: { recipient: { type: 'room' }, data: 'after' } });
  assert.equal(dataOf(await carol.client.next('message')), 'after');
  // A server shutting down cleanly says goodbye: its sessions leave at once.
  const stoppedAt = Date.now();
  await env.servers[2]?.kill('SIGTERM');
  const leave = await alice.client.next(isEvent('room', 'leave'), 10_000);
  assert.deepEqual((leave.event as { leave: string[] }).leave, [carol.sessionId]);
  assert.ok(Date.now() - stoppedAt < 2000, `took ${Date.now() - stoppedAt} ms`);
});
