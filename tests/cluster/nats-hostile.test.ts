import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { MAX_PEER_JSON_DEPTH } from '@spreed-ts/protocol';
import type { Frame } from '@spreed-ts/testkit';
import type * as Nats from 'nats';
import { mutateValue, Prng, plantEverywhere, plantHostile } from '../server/helpers/fuzz.js';
import { seesJoin } from '../server/helpers/rooms-env.js';
import { startClusterEnv } from './helpers/cluster-env.js';

const nats = createRequire(import.meta.url)('nats') as typeof Nats;
const dataOf = (frame: Frame) => (frame.message as { data: unknown }).data;
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);
/** Log lines that mean a handler threw on input that had passed validation (a bug). */
const HANDLER_BUG = /bus handler failed|handling a client message failed/;

/**
 * Whoever can publish on the NATS server can send the signaling servers anything. Garbage, payloads
 * nested past the bus's depth limit, huge values and mutations of the servers' own traffic must be
 * dropped (or applied, where they are valid) without ending a process or breaking the cluster.
 */
test('nats cluster - hostile payloads on every subject end no process and break nothing', {
  timeout: 90_000,
}, async (t) => {
  await using env = await startClusterEnv({ servers: 2 });
  for (const user of ['alice', 'bob', 'carol', 'dave']) {
    env.dev.addUser(user);
  }
  env.dev.createRoom({ token: 'before', owner: 'alice' });
  const nc = await nats.connect({ servers: env.nats.url });
  t.after(() => nc.close());

  // Record the servers' own traffic while they do the usual things.
  const captured: Array<{ subject: string; data: Uint8Array }> = [];
  const tap = nc.subscribe('signaling.>', {
    callback: (_err, msg) => {
      if (captured.length < 400) {
        captured.push({ subject: msg.subject, data: msg.data });
      }
    },
  });
  const alice = await env.joined(0, 'before', 'alice');
  const bob = await env.joined(1, 'before', 'bob');
  await seesJoin(alice.client, bob.sessionId);
  for (const recipient of [
    { type: 'session', sessionid: bob.sessionId },
    { type: 'user', userid: 'bob' },
    { type: 'room' },
  ]) {
    alice.client.send({ type: 'message', message: { recipient, data: { type: 'offer' } } });
    await bob.client.next('message');
  }
  assert.equal(await env.backendApi(0, 'before', { type: 'message', message: { data: 1 } }), 200);
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // at least one heartbeat
  tap.unsubscribe();
  const subjects = [...new Set(captured.map((c) => c.subject))];
  assert.ok(subjects.length >= 3, `only ${subjects.join(', ')} seen`);

  const rng = new Prng(SEED);
  const encoder = new TextEncoder();
  let sent = 0;
  const publish = (subject: string, payload: Uint8Array | string) => {
    nc.publish(subject, typeof payload === 'string' ? encoder.encode(payload) : payload);
    sent++;
  };
  for (const subject of subjects) {
    publish(subject, new Uint8Array([0xff, 0x00, 0x7b]));
    publish(subject, '');
    publish(subject, `${'['.repeat(300_000)}${']'.repeat(300_000)}`);
    publish(
      subject,
      `{"v":1,"from":"evil","type":"heartbeat","x":${'['.repeat(MAX_PEER_JSON_DEPTH)}${']'.repeat(MAX_PEER_JSON_DEPTH)}}`,
    );
    publish(subject, `{"v":1,"from":"evil","type":"${'x'.repeat(600_000)}"}`);
  }
  const tooDeep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  for (const { subject, data } of captured) {
    const seed: unknown = JSON.parse(new TextDecoder().decode(data));
    // Every member of every message the servers exchange, replaced by a value too deep to walk.
    for (const payload of plantEverywhere(seed, tooDeep)) {
      publish(subject, payload);
    }
    for (let n = 0; n < 4; n++) {
      publish(subject, JSON.stringify(mutateValue(rng, seed)));
      publish(subject, plantHostile(rng, seed, MAX_PEER_JSON_DEPTH));
    }
    await nc.flush();
  }
  await nc.flush();
  t.diagnostic(`seed ${SEED}: ${sent} hostile payloads on ${subjects.length} subjects`);
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  for (const server of env.servers) {
    assert.equal(server.child.exitCode, null, `server ${server.index} exited:\n${server.output()}`);
    assert.doesNotMatch(server.output(), HANDLER_BUG);
    assert.match(server.output(), /invalid bus message dropped/);
  }
  // Forged but valid messages may have changed what the servers believe (the bus is trusted);
  // a fresh room across both servers must work all the same.
  await Promise.all(env.servers.map((_, i) => env.waitForPeers(i, 1, 15_000)));
  env.dev.createRoom({ token: 'after', owner: 'carol' });
  const carol = await env.joined(0, 'after', 'carol');
  const dave = await env.joined(1, 'after', 'dave');
  await seesJoin(carol.client, dave.sessionId);
  carol.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: dave.sessionId }, data: 'still fine' },
  });
  assert.equal(dataOf(await dave.client.next('message')), 'still fine');
  dave.client.send({ type: 'message', message: { recipient: { type: 'room' }, data: 'back' } });
  assert.equal(dataOf(await carol.client.next('message')), 'back');
});
