import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Frame,
  insideTestNetns,
  Prng,
  runInTestNetns,
  TestClient,
  waitUntil,
} from '@spreed-ts/testkit';
import { mcuData } from '../sfu/helpers/sfu-peer.js';
import type { ProxyProcess } from './helpers/go-proxy.js';
import { logLines, startProxyEnv } from './helpers/proxy-env.js';
import { startReplyFuzzProxy } from './helpers/reply-fuzz-proxy.js';
import { publishersOn } from './helpers/scenarios.js';

/** FUZZ_SEED reproduces a run; the default keeps CI deterministic. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_207);
/** Participant actions (offers, requestoffers, candidates); stops early at the budget. */
const ACTIONS = 40;
const BUDGET_MS = 14_000;
/** `[mcu] proxytimeout` of the server, in seconds. */
const PROXY_TIMEOUT_S = 1;
/**
 * How long a participant may wait for the answer to one request: a proxy timeout on the fake,
 * then one on the healthy proxy, and a margin for the healthy proxy's Janus.
 */
const ANSWER_WITHIN_MS = 2 * PROXY_TIMEOUT_S * 1_000 + 3_000;
/** Commands and payloads that must reach the fake (so that it cannot be left out unnoticed). */
const MIN_COMMANDS = 6;
const MIN_PAYLOADS = 4;

const CANDIDATE = {
  candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host generation 0',
  sdpMLineIndex: 0,
  sdpMid: '0',
};

/** Whether a frame a signaling client got is one of the signaling protocol's. */
function checkClientFrame(frame: Frame): void {
  assert.ok(
    ['message', 'error', 'event', 'control', 'room', 'bye'].includes(frame.type),
    JSON.stringify(frame).slice(0, 300),
  );
  if (frame.type === 'error') {
    const error = frame.error as { code?: unknown; message?: unknown };
    assert.equal(typeof error.code, 'string');
    assert.equal(typeof error.message, 'string');
  }
  const data = mcuData(frame);
  if (data !== undefined && (data.type === 'answer' || data.type === 'offer')) {
    // What reaches a client is an SDP of the right kind, never what a proxy made up.
    assert.equal(data.payload.type, data.type, JSON.stringify(frame).slice(0, 300));
    assert.equal(typeof data.payload.sdp, 'string', JSON.stringify(frame).slice(0, 300));
  }
}

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('mcu proxy fuzz - a proxy answering the server’s own requests with mutated replies: every request is answered, no crash, the fake reconnects, a healthy proxy keeps publishing', {
    timeout: 90_000,
  }, async (t) => {
    const rng = new Prng(SEED);
    await using fake = await startReplyFuzzProxy(new Prng(SEED + 1), PROXY_TIMEOUT_S * 1_000 + 300);
    await using env = await startProxyEnv({
      proxies: 1,
      extraUrls: [fake.url],
      proxyTimeoutSeconds: PROXY_TIMEOUT_S,
    });
    await env.proxiesConnected(2);
    const healthy = env.proxies[0] as ProxyProcess;
    const users = Array.from({ length: 8 }, (_, i) => `u${i}`);
    for (const user of [...users, 'fresh']) {
      env.dev.addUser(user);
    }
    env.dev.createRoom({ token: 'fuzz', owner: 'u0' });
    const peers = [];
    for (const user of users) {
      peers.push(await env.peer('fuzz', user));
    }
    type Peer = (typeof peers)[number];
    type Stream = { peer: Peer; roomType: 'video' | 'screen' };
    const streams: Stream[] = peers.flatMap((peer) =>
      (['video', 'screen'] as const).map((roomType) => ({ peer, roomType })),
    );
    /** The server's publisher of a stream: on which proxy, if any. */
    const where = (s: Stream) =>
      env.sig.server.sfu.localPublisher(s.peer.sessionId, s.roomType)?.sfu;
    /**
     * A stream with a publisher for candidates and requestoffers, mostly one on the fake (so that
     * its payloads and subscribers go there); undefined while there is none.
     */
    const pickPublished = (): Stream | undefined => {
      const onFake = streams.filter((s) => where(s) === fake.url);
      const any = streams.filter((s) => where(s) !== undefined);
      return onFake.length > 0 && rng.chance(0.8) ? rng.pick(onFake) : any[rng.int(any.length)];
    };
    const outcomes = new Map<string, number>();
    const note = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const drain = async (peer: Peer) => {
      for (const other of peer.client.buffered) {
        checkClientFrame(other);
      }
      while (peer.client.buffered.length > 0) {
        await peer.client.next(undefined, 10);
      }
    };

    /**
     * Takes `peer` out of the call and back in: the server releases its publishers (those on the
     * healthy proxy too), so that its next offers create publishers again, on the fake first.
     */
    const rejoinCall = async (peer: Peer) => {
      env.dev.setInCall(peer.talkSessionId, 0);
      await waitUntil(
        () =>
          where({ peer, roomType: 'video' }) === undefined &&
          where({ peer, roomType: 'screen' }) === undefined,
        5_000,
        'the publishers of a participant that left the call are released',
      );
      env.dev.setInCall(peer.talkSessionId, 7);
      await env.seesItselfInCall(peer, 5_000);
      note('rejoined the call');
    };

    const fakeConnected = () => {
      const info = env.sig.server.sfu.serverInfo?.() as {
        proxies?: { url: string; connected: boolean }[];
      };
      return info.proxies?.some((p) => p.url === fake.url && p.connected) === true;
    };

    const deadline = Date.now() + BUDGET_MS;
    let actions = 0;
    for (; actions < ACTIONS && Date.now() < deadline; actions++) {
      // Mostly wait for the fake to be back after a reconnect (requests meanwhile fail fast).
      if (!fakeConnected() && rng.chance(0.8)) {
        await waitUntil(fakeConnected, 4_000, 'the fake reconnected').catch(() => undefined);
      }
      if (streams.filter((s) => where(s) !== healthy.url).length < 4) {
        const onHealthy = peers.filter(
          (peer) => where({ peer, roomType: 'video' }) === healthy.url,
        );
        if (onHealthy.length > 0) {
          await rejoinCall(rng.pick(onHealthy));
        }
      }
      const target = pickPublished();
      const action = target === undefined ? 0 : rng.int(10);
      if (action < 4 || target === undefined) {
        // Mostly a stream that is not on the healthy proxy: its offer creates a publisher, and
        // placement prefers the fake (it reports no load).
        const fresh = streams.filter((s) => where(s) !== healthy.url);
        const { peer, roomType } =
          fresh.length > 0 && rng.chance(0.85) ? rng.pick(fresh) : rng.pick(streams);
        const id = await peer.offerOnly(roomType);
        const frame = await peer.client.next((f) => {
          const data = mcuData(f);
          return (
            (f.type === 'error' && f.id === id) ||
            (data?.type === 'answer' && data.roomType === roomType)
          );
        }, ANSWER_WITHIN_MS);
        checkClientFrame(frame);
        await drain(peer);
        note(
          frame.type === 'error'
            ? `offer: error ${(frame.error as { code: string }).code}`
            : 'offer: answer',
        );
      } else if (action < 7) {
        const from = rng.pick(peers.filter((p) => p !== target.peer));
        const id = from.sendTo(target.peer.sessionId, {
          type: 'requestoffer',
          roomType: target.roomType,
        });
        const frame = await from.client.next((f) => {
          const data = mcuData(f);
          return (
            (f.type === 'error' && f.id === id) ||
            (data?.type === 'offer' &&
              data.from === target.peer.sessionId &&
              data.roomType === target.roomType)
          );
        }, ANSWER_WITHIN_MS);
        checkClientFrame(frame);
        note(
          frame.type === 'error'
            ? `requestoffer: error ${(frame.error as { code: string }).code}`
            : 'requestoffer: offer',
        );
        await drain(from);
      } else {
        target.peer.sendTo(target.peer.sessionId, {
          type: rng.chance(0.8) ? 'candidate' : 'endOfCandidates',
          roomType: target.roomType,
          payload: { candidate: CANDIDATE },
        });
        note('candidate');
        await drain(target.peer);
      }
    }
    // Late answers and answers to candidates arrive within a proxy timeout.
    await new Promise((resolve) => setTimeout(resolve, PROXY_TIMEOUT_S * 1_000 + 500));
    for (const peer of peers) {
      await drain(peer);
    }
    const commands = [...fake.commands.values()].reduce((a, b) => a + b, 0);
    const payloads = [...fake.payloads.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(
      `seed ${SEED}: ${actions} actions, outcomes ${JSON.stringify([...outcomes])}; fake got commands ${JSON.stringify([...fake.commands])}, payloads ${JSON.stringify([...fake.payloads])}; replies ${JSON.stringify([...fake.replies])}; ${fake.connections} fake connections`,
    );
    if (process.env.FUZZ_DEBUG !== undefined) {
      t.diagnostic(logLines(env, fake.url).join('\n'));
    }
    assert.ok(actions >= 10, `only ${actions} actions in the time budget`);
    // The gap of mcu-proxy-fuzz: the server's own requests reach the fake.
    assert.ok(commands >= MIN_COMMANDS, `commands that reached the fake: ${commands}`);
    assert.ok(
      (fake.commands.get('create-publisher') ?? 0) >= 1,
      JSON.stringify([...fake.commands]),
    );
    assert.ok(payloads >= MIN_PAYLOADS, `payloads that reached the fake: ${payloads}`);
    // The fake closed or overflowed a frame at least once, and the server came back.
    assert.ok(
      (fake.replies.get('close') ?? 0) + (fake.replies.get('oversized-frame') ?? 0) >= 1,
      JSON.stringify([...fake.replies]),
    );
    assert.ok(fake.connections >= 2, `fake connections: ${fake.connections}`);
    assert.ok(logLines(env, 'connection to proxy lost', fake.url).length >= 1);
    assert.ok((outcomes.get('offer: answer') ?? 0) >= 1, JSON.stringify([...outcomes]));
    const failures = env.log.filter((line) =>
      /handler failed|uncaught|unhandled|TypeError|RangeError/.test(line),
    );
    assert.deepEqual(failures, []);
    assert.equal(env.sig.server.metrics.clientHandlerErrorsTotal.get(), 0);

    // With the fake gone, a fresh participant publishes on the healthy proxy.
    const before = await publishersOn(healthy);
    await fake.close();
    await waitUntil(() => !fakeConnected(), 10_000, 'the fake is disconnected');
    const fresh = await env.peer('fuzz', 'fresh');
    const id = await fresh.offerOnly('video');
    const answer = await fresh.client.next((f) => {
      const data = mcuData(f);
      return (f.type === 'error' && f.id === id) || data?.type === 'answer';
    }, ANSWER_WITHIN_MS);
    checkClientFrame(answer);
    assert.equal(answer.type, 'message', JSON.stringify(answer).slice(0, 300));
    // The Go proxy counts the publisher once Janus has it; poll its metrics for a while.
    let after = before;
    for (let i = 0; i < 25 && after <= before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await publishersOn(healthy);
    }
    assert.ok(after > before, `healthy proxy publishers: ${before} -> ${after}`);
    const client = await TestClient.connect(env.sig.wsUrl);
    await client.next('welcome');
    await client.close();
  });
}
