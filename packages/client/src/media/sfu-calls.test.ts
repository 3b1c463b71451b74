import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignalingError } from '@spreed-ts/protocol';
import { Roster } from '../signaling/roster.js';
import type { JsonObject } from '../util/json.js';
import { silentLogger } from '../util/logger.js';
import { FakeMediaStack, FakeTrack } from './fake-stack.js';
import type { MediaContext } from './media-context.js';
import { SfuCalls } from './sfu-calls.js';

function setup(options: { publishing?: boolean; retryMs?: number } = {}) {
  const stack = new FakeMediaStack();
  const sent: Array<{ to: string; data: JsonObject }> = [];
  const warnings: string[] = [];
  const ctx: MediaContext = {
    stack,
    ownSessionId: 'me',
    iceServers: [],
    nick: 'Bot',
    publishing: options.publishing ?? true,
    localTrack: options.publishing === false ? undefined : new FakeTrack(),
    localVideoTrack: undefined,
    screenTrack: undefined,
    simulcast: false,
    receiveVideo: false,
    retryMs: options.retryMs ?? 60_000,
    send: (to, data) => sent.push({ to, data }),
    adopt: () => undefined,
    warn: (message) => warnings.push(message),
    logger: silentLogger,
  };
  const roster = new Roster();
  roster.reset('me');
  const sfu = new SfuCalls(ctx);
  const update = (users: Array<Record<string, unknown>>) => {
    roster.apply({ target: 'participants', type: 'update', update: { roomid: 'r', users } });
    sfu.sync(roster);
  };
  return { stack, sent, warnings, roster, sfu, update };
}

const ofType = (sent: Array<{ to: string; data: JsonObject }>, type: string) =>
  sent.filter((s) => s.data.type === type);

test('sfu - nothing before we are listed in the call; then publish to our own id and requestoffer by signaling id', async () => {
  const { sent, sfu, update } = setup();
  update([{ sessionId: 'bob', nextcloudSessionId: 'nc-bob', inCall: 3 }]);
  assert.equal(
    sent.length,
    0,
    'no requestoffer while we are not in the call (would be not_allowed)',
  );
  update([
    { sessionId: 'me', inCall: 3 },
    { sessionId: 'listener', inCall: 1 },
    { sessionId: 'recorder', inCall: 3, internal: true },
  ]);
  await sleep(0);
  const offers = ofType(sent, 'offer');
  assert.equal(offers.length, 1);
  assert.equal(offers[0]?.to, 'me');
  assert.equal(offers[0]?.data.to, 'me');
  assert.equal(offers[0]?.data.roomType, 'video');
  assert.equal(typeof offers[0]?.data.sid, 'string');
  assert.deepEqual(offers[0]?.data.payload, { type: 'offer', sdp: 'offer-1', nick: 'Bot' });
  const requests = ofType(sent, 'requestoffer');
  assert.deepEqual(
    requests.map((r) => r.to),
    ['bob'],
    'only publishers with streams, by signaling id',
  );
  assert.equal(requests[0]?.data.roomType, 'video');
  // Our publisher's candidates go to our own session too.
  assert.ok(ofType(sent, 'candidate').every((c) => c.to === 'me'));
  sfu.close();
});

test('sfu - requestoffer is retried until the offer comes; answer and candidates go to the publisher', async () => {
  const { stack, sent, sfu, update } = setup({ retryMs: 20, publishing: false });
  update([
    { sessionId: 'me', inCall: 1 },
    { sessionId: 'bob', inCall: 3 },
  ]);
  await sleep(75);
  const before = ofType(sent, 'requestoffer').length;
  assert.ok(before >= 3, `retried (${before})`);
  assert.equal(ofType(sent, 'offer').length, 0, 'receive-only clients do not publish');
  // An offer without sid, like older servers send.
  sfu.handleSignal('bob', { type: 'offer', roomType: 'video', sdp: 'bob-offer' });
  await sleep(5);
  await sleep(50);
  assert.equal(ofType(sent, 'requestoffer').length, before, 'no more requests after the offer');
  const answer = ofType(sent, 'answer')[0];
  assert.equal(answer?.to, 'bob');
  assert.equal(answer?.data.to, 'bob');
  assert.equal('sid' in (answer?.data ?? {}), false);
  assert.ok(ofType(sent, 'candidate').length > 0);
  assert.ok(
    ofType(sent, 'candidate').every((c) => c.to === 'bob'),
    "subscriber candidates go to the publisher's id",
  );
  const pc = stack.peerConnections[0];
  assert.equal(pc?.remoteDescription?.sdp, 'bob-offer');
  sfu.handleSignal('bob', {
    type: 'candidate',
    roomType: 'video',
    candidate: { candidate: 'x', sdpMid: '' },
  });
  await sleep(5);
  assert.deepEqual(pc?.remoteCandidates, [{ candidate: 'x', sdpMLineIndex: 0 }]);
  // A renegotiation (update-sdp) with a sid is answered on the same connection.
  sfu.handleSignal('bob', { type: 'offer', roomType: 'video', sdp: 'bob-offer-2', sid: 's2' });
  await sleep(5);
  assert.equal(stack.peerConnections.length, 1);
  assert.equal(pc?.remoteDescription?.sdp, 'bob-offer-2');
  // Bob leaves the call: the subscription is closed.
  update([{ sessionId: 'bob', inCall: 0 }]);
  assert.equal(pc?.closed, true);
  sfu.close();
});

test('sfu - the SFU answer completes the publisher; refusals are reported; leaving the call closes all', async () => {
  const { stack, sfu, update, warnings, roster } = setup();
  update([
    { sessionId: 'me', inCall: 3 },
    { sessionId: 'bob', inCall: 3 },
  ]);
  await sleep(5);
  const publisher = stack.peerConnections[0];
  sfu.handleSignal('me', { type: 'answer', roomType: 'video', sdp: 'sfu-answer' });
  sfu.handleSignal('me', {
    type: 'candidate',
    roomType: 'video',
    candidate: { candidate: 'janus', sdpMid: '0' },
  });
  await sleep(5);
  assert.equal(publisher?.remoteDescription?.sdp, 'sfu-answer');
  assert.equal(publisher?.remoteCandidates[0]?.candidate, 'janus');
  sfu.handleMessageError(new SignalingError('not_allowed', 'Not allowed to request offer.'), {
    type: 'requestoffer',
    roomType: 'video',
  });
  assert.match(warnings[0] ?? '', /not_allowed/);
  roster.apply({
    target: 'participants',
    type: 'update',
    update: { roomid: 'r', incall: 0, all: true },
  });
  sfu.sync(roster);
  assert.equal(publisher?.closed, true);
  assert.equal(sfu.publisher, undefined);
  assert.deepEqual(sfu.pendingRequests, []);
});
