import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Roster } from '../signaling/roster.js';
import type { JsonObject } from '../util/json.js';
import { silentLogger } from '../util/logger.js';
import { FakeMediaStack, FakeTrack } from './fake-stack.js';
import type { MediaContext } from './media-context.js';
import { P2PCalls } from './p2p-calls.js';

function setup(options: { publishing?: boolean; retryMs?: number } = {}) {
  const stack = new FakeMediaStack();
  const sent: Array<{ to: string; data: JsonObject }> = [];
  const publishing = options.publishing ?? true;
  const ctx: MediaContext = {
    stack,
    ownSessionId: 'm',
    iceServers: [],
    nick: 'Bot',
    publishing,
    localTrack: publishing ? new FakeTrack() : undefined,
    localVideoTrack: undefined,
    screenTrack: undefined,
    simulcast: false,
    receiveVideo: false,
    retryMs: options.retryMs ?? 60_000,
    send: (to, data) => sent.push({ to, data }),
    adopt: () => undefined,
    warn: () => undefined,
    logger: silentLogger,
  };
  const roster = new Roster();
  roster.reset('m');
  const p2p = new P2PCalls(ctx);
  const update = (users: Array<Record<string, unknown>>) => {
    roster.apply({ target: 'participants', type: 'update', update: { roomid: 'r', users } });
    p2p.sync(roster);
  };
  return { stack, sent, p2p, update };
}

const offersTo = (sent: Array<{ to: string; data: JsonObject }>) =>
  sent
    .filter((s) => s.data.type === 'offer')
    .map((s) => s.to)
    .sort();

test('p2p - larger ids call smaller ones; everyone calls participants without streams', async () => {
  const { sent, p2p, update } = setup({ retryMs: 40 });
  update([
    { sessionId: 'm', inCall: 3 },
    { sessionId: 'a', inCall: 3 }, // smaller, with streams → we call
    { sessionId: 'z', inCall: 3 }, // larger, with streams → they call us
    { sessionId: 'y', inCall: 1 }, // no streams → we call
  ]);
  await sleep(5);
  assert.deepEqual(offersTo(sent), ['a', 'y']);
  // z never called: after the fallback period we call it ourselves (a and y, unanswered, get
  // their retry offers meanwhile).
  await sleep(80);
  assert.deepEqual([...new Set(offersTo(sent))], ['a', 'y', 'z']);
  p2p.close();
});

test('p2p - without streams we never offer, and we answer offers', async () => {
  const { stack, sent, p2p, update } = setup({ publishing: false });
  update([
    { sessionId: 'm', inCall: 1 },
    { sessionId: 'a', inCall: 3 },
  ]);
  await sleep(5);
  assert.deepEqual(offersTo(sent), []);
  p2p.handleSignal('a', { type: 'offer', roomType: 'video', sdp: 'a-offer', sid: 42 });
  await sleep(5);
  const answer = sent.find((s) => s.data.type === 'answer');
  assert.equal(answer?.to, 'a');
  assert.equal(answer?.data.sid, 42, 'the sid is echoed as sent');
  assert.equal(stack.peerConnections[0]?.transceivers[0]?.direction, 'recvonly');
  p2p.close();
});

test('p2p - an offer from a larger id wins over ours; the offerer restarts ICE on failure', async () => {
  const { stack, sent, p2p, update } = setup();
  update([
    { sessionId: 'm', inCall: 3 },
    { sessionId: 'a', inCall: 1 },
    { sessionId: 'z', inCall: 1 },
  ]);
  await sleep(5);
  assert.deepEqual(offersTo(sent), ['a', 'z']);
  // Glare with z (larger): we drop our offer and answer theirs.
  p2p.handleSignal('z', { type: 'offer', roomType: 'video', sdp: 'z-offer', sid: 's' });
  await sleep(5);
  assert.equal(sent.filter((s) => s.data.type === 'answer' && s.to === 'z').length, 1);
  // Glare with a (smaller): their offer is ignored.
  p2p.handleSignal('a', { type: 'offer', roomType: 'video', sdp: 'a-offer' });
  await sleep(5);
  assert.equal(sent.filter((s) => s.data.type === 'answer' && s.to === 'a').length, 0);
  const toA = stack.peerConnections[0];
  assert.equal(toA?.localDescription?.sdp, 'offer-1');
  toA?.setIceState('failed');
  await sleep(5);
  assert.deepEqual(toA?.offerOptions.at(-1), { iceRestart: true });
  // a leaves the call: its peer is closed.
  update([{ sessionId: 'a', inCall: 0 }]);
  assert.equal(toA?.closed, true);
  p2p.close();
});

test('p2p - an unanswered offer is retried with a new sid, then reported as failed', async () => {
  const { sent, p2p, update } = setup({ retryMs: 20 });
  const events: string[] = [];
  p2p.on('peerRetrying', (id, attempt, reason) => events.push(`retry ${id} ${attempt} ${reason}`));
  p2p.on('peerFailed', (id, reason) => events.push(`failed ${id} ${reason}`));
  update([
    { sessionId: 'm', inCall: 3 },
    { sessionId: 'a', inCall: 3 },
  ]);
  // Deadlines 20, 40 and 80 ms: three offers, each with its own sid, then the report.
  await sleep(250);
  const offers = sent.filter((s) => s.data.type === 'offer' && s.to === 'a');
  assert.equal(offers.length, 3);
  assert.equal(new Set(offers.map((o) => o.data.sid)).size, 3);
  assert.deepEqual(events, [
    'retry a 2 no answer within 20 ms',
    'retry a 3 no answer within 40 ms',
    'failed a no answer within 80 ms (after 3 attempts)',
  ]);
  assert.equal(p2p.peers.size, 0);
  // Given up: a roster change does not start over, an offer from them does.
  update([{ sessionId: 'a', inCall: 3 }]);
  assert.equal(p2p.peers.size, 0);
  p2p.handleSignal('a', { type: 'offer', roomType: 'video', sdp: 'a-offer', sid: 'new' });
  await sleep(5);
  assert.equal(sent.filter((s) => s.data.type === 'answer' && s.to === 'a').length, 1);
  p2p.close();
});

test('p2p - an offer with a new sid replaces the connection instead of renegotiating', async () => {
  const { stack, p2p, update } = setup({ publishing: false });
  update([
    { sessionId: 'm', inCall: 1 },
    { sessionId: 'a', inCall: 3 },
  ]);
  p2p.handleSignal('a', { type: 'offer', roomType: 'video', sdp: 'offer-1', sid: 's1' });
  await sleep(5);
  p2p.handleSignal('a', { type: 'offer', roomType: 'video', sdp: 'offer-2', sid: 's1' });
  await sleep(5);
  assert.equal(stack.peerConnections.length, 1, 'same sid: renegotiated in place');
  p2p.handleSignal('a', { type: 'offer', roomType: 'video', sdp: 'offer-3', sid: 's2' });
  await sleep(5);
  assert.equal(stack.peerConnections.length, 2);
  assert.equal(stack.peerConnections[0]?.closed, true);
  p2p.close();
});
