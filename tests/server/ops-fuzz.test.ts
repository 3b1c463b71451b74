import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { DevBackend } from '@spreed-ts/devbackend';
import { calculateChecksum, MAX_JSON_DEPTH } from '@spreed-ts/protocol';
import { startRooms, type ThrottleAction, type ThrottleCheck, Throttler } from '@spreed-ts/server';
import {
  type Frame,
  type SignalingFixture,
  startSignaling,
  type TestClient,
} from '@spreed-ts/testkit';
import { mutateText, mutateValue, Prng, plantHostile, randomValue } from './helpers/fuzz.js';
import { internalClient, request } from './helpers/ops-env.js';

/** FUZZ_SEED reproduces a run; the default keeps CI deterministic. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_611);
/** Iteration counts and the time budget per part (a slow machine stops early, see below). */
const WS_ITERATIONS = 2000;
const RAW_ITERATIONS = 300;
const BACKEND_ITERATIONS = 1000;
const BUDGET_MS = 40_000;

const FRAME_TYPES = new Set([
  'welcome',
  'hello',
  'bye',
  'room',
  'message',
  'control',
  'event',
  'transient',
  'internal',
  'dialout',
  'error',
]);
/** Close codes a fuzzed connection may end with: normal, policy, too big, bad data/protocol. */
const CLEAN_CLOSES = new Set([1000, 1002, 1007, 1008, 1009]);

/**
 * A frame that is always answered with an error carrying its id, with or without a session and
 * without side effects: a `message` without its body fails validation (invalid_format).
 */
const PROBE = { type: 'message' };

interface Env {
  dev: DevBackend;
  sig: SignalingFixture;
  /** A session connected before fuzzing; it must not notice anything. */
  bystander: { client: TestClient; sessionId: string };
  close(): Promise<void>;
}

/**
 * Brute-force protection that neither sleeps nor blocks: fuzzed requests fail authentication often,
 * and a blocked address would only ever see `too_many_requests` / 429 afterwards.
 */
class LenientThrottler extends Throttler {
  constructor() {
    super(Date.now, async () => undefined);
  }

  override check(address: string, action: ThrottleAction): ThrottleCheck {
    const check = super.check(address, action);
    return { blocked: false, fail: () => (check.blocked ? Promise.resolve() : check.fail()) };
  }
}

async function startEnv(): Promise<Env> {
  const dev = new DevBackend();
  await dev.start();
  dev.addUser('alice');
  dev.createRoom({ token: 'fuzz', owner: 'alice' });
  const sig = await startSignaling({
    backends: [{ url: dev.url, secret: dev.secret }],
    throttler: new LenientThrottler(),
    setup: (server) => startRooms(server),
  });
  dev.setSignalingUrl(sig.httpUrl);
  const bystander = await internalClient(sig, dev.url);
  return {
    dev,
    sig,
    bystander,
    async close() {
      await bystander.client.close();
      await sig.close();
      await dev.close();
    },
  };
}

/** The bystander asks something and gets its answer; it was never told to go. */
async function assertBystanderFine(env: Env, tag: string): Promise<void> {
  const { client } = env.bystander;
  assert.equal(client.isClosed, false, `bystander closed (${tag})`);
  const id = client.send(PROBE);
  const reply = await client.next((f) => f.id === id, 5_000);
  assert.equal(reply.type, 'error', `${tag}: ${JSON.stringify(reply)}`);
  assert.equal((reply.error as { code: string }).code, 'invalid_format');
  assert.ok(!client.buffered.some((f) => f.type === 'bye'), `bystander got bye (${tag})`);
  // Drop events caused by the fuzzing (joins, leaves) so they do not pile up.
  while (client.buffered.length > 0) {
    await client.next(undefined, 10);
  }
}

/** Valid client frames to mutate, for a backend at `dev`. */
function clientSeeds(env: Env): unknown[] {
  const { dev, sig } = env;
  const talk = dev.joinRoom('fuzz', { userId: 'alice' });
  return [
    {
      type: 'hello',
      hello: {
        version: '1.0',
        features: ['chat-relay'],
        auth: { url: dev.url, params: { userid: 'alice', ticket: dev.ticketFor('alice') } },
      },
    },
    {
      type: 'hello',
      hello: {
        version: '2.0',
        auth: { url: dev.url, params: { token: dev.helloV2Token('alice') } },
      },
    },
    { type: 'hello', hello: { version: '2.0', resumeid: 'x'.repeat(40) } },
    sig.internalHello(dev.url, ['start-dialout']),
    { type: 'room', room: { roomid: 'fuzz', sessionid: talk.sessionId } },
    { type: 'room', room: { roomid: '', sessionid: '' } },
    {
      type: 'message',
      message: { recipient: { type: 'room' }, data: { type: 'offer', sdp: 'v=0' } },
    },
    {
      type: 'message',
      message: { recipient: { type: 'session', sessionid: env.bystander.sessionId }, data: 'x' },
    },
    { type: 'message', message: { recipient: { type: 'user', userid: 'alice' }, data: [1] } },
    { type: 'control', control: { recipient: { type: 'call' }, data: { type: 'mute' } } },
    { type: 'transient', transient: { type: 'set', key: 'k', value: { a: 1 } } },
    { type: 'transient', transient: { type: 'remove', key: 'k' } },
    { type: 'internal', internal: { type: 'incall', incall: { incall: 7 } } },
    {
      type: 'internal',
      internal: {
        type: 'addsession',
        addsession: { sessionid: 'v1', roomid: 'fuzz', userid: 'u', user: {}, flags: 1 },
      },
    },
    {
      type: 'internal',
      internal: { type: 'removesession', removesession: { sessionid: 'v1', roomid: 'fuzz' } },
    },
    { type: 'bye', bye: {} },
  ];
}

/** One fuzzed frame: a mutated seed, mutated text, or something random. */
function fuzzFrame(rng: Prng, seeds: readonly unknown[]): string {
  const seed = rng.pick(seeds);
  switch (rng.int(6)) {
    case 0:
    case 1:
      return JSON.stringify(mutateValue(rng, seed));
    case 5:
      return plantHostile(rng, seed, MAX_JSON_DEPTH);
    case 2:
      return mutateText(rng, JSON.stringify(seed));
    case 3:
      return JSON.stringify(randomValue(rng));
    default:
      return JSON.stringify(seed);
  }
}

/** What the fuzzed connections saw, for the test's diagnostics. */
const seen = new Map<string, number>();
const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

/** Reads frames until the probe's answer (or the close); checks that each is a protocol frame. */
async function drainUntilProbe(client: TestClient, probeId: string, context: () => string) {
  for (;;) {
    let frame: Frame;
    try {
      frame = await client.next(undefined, 5_000);
    } catch (err) {
      if (client.isClosed) {
        const code = await client.closed;
        count(`close ${code}`);
        assert.ok(CLEAN_CLOSES.has(code), `close code ${code} after ${context()}`);
        return;
      }
      throw new Error(`no answer to the probe after ${context()}: ${(err as Error).message}`);
    }
    assert.ok(
      FRAME_TYPES.has(frame.type),
      `unexpected frame ${JSON.stringify(frame)} after ${context()}`,
    );
    if (frame.type === 'error') {
      const error = frame.error as { code?: unknown; message?: unknown };
      assert.equal(typeof error.code, 'string', context());
      assert.equal(typeof error.message, 'string', context());
    }
    if (frame.id === probeId) {
      return;
    }
    count(frame.type === 'error' ? `error ${(frame.error as { code: string }).code}` : frame.type);
  }
}

test('fuzz - mutated and random client frames get an answer or a clean close; others unaffected', {
  timeout: 120_000,
}, async (t) => {
  const env = await startEnv();
  try {
    const rng = new Prng(SEED);
    const seeds = clientSeeds(env);
    const deadline = Date.now() + BUDGET_MS;
    let client = await env.sig.connect();
    let done = 0;
    for (; done < WS_ITERATIONS && Date.now() < deadline; done++) {
      if (client.isClosed) {
        client = await env.sig.connect();
      }
      const frame = fuzzFrame(rng, seeds);
      client.sendRaw(rng.chance(0.03) ? Buffer.from(frame) : frame);
      const probeId = `probe-${done}`;
      if (!client.isClosed) {
        client.send({ ...PROBE, id: probeId });
      }
      await drainUntilProbe(
        client,
        probeId,
        () => `seed ${SEED} iteration ${done}: ${frame.slice(0, 300)}`,
      );
      if (done % 100 === 99) {
        await assertBystanderFine(env, `iteration ${done}`);
      }
    }
    t.diagnostic(`seed ${SEED}, ${done} frames, answers: ${JSON.stringify([...seen].sort())}`);
    assert.ok(done >= 200, `only ${done} iterations in the time budget`);
    // Every frame was handled by design, none by the last-resort catch (that would be a bug).
    assert.equal(env.sig.server.metrics.clientHandlerErrorsTotal.get(), 0);
    await client.close();
    await assertBystanderFine(env, 'end');
    assert.equal((await request(`${env.sig.httpUrl}api/v1/welcome`)).status, 200);
  } finally {
    await env.close();
  }
});

/** Opens a raw socket and completes the WebSocket handshake. */
async function rawWebSocket(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    [
      'GET /spreed HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n'),
  );
  let head = '';
  while (!head.includes('\r\n\r\n')) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    head += chunk.toString('latin1');
  }
  assert.match(head, /^HTTP\/1\.1 101 /);
  return socket;
}

/** A WebSocket frame with random header bits, opcode, masking and payload. */
function rawFrame(rng: Prng): Buffer {
  const payload = rng.chance(0.3)
    ? Buffer.from(JSON.stringify(randomValue(rng)))
    : randomBytes(rng.pick([0, 1, 2, 125, 126, 200, 70_000]));
  const opcode = rng.pick([0x0, 0x1, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb, 0xf]);
  const fin = rng.chance(0.8) ? 0x80 : 0;
  const rsv = rng.chance(0.1) ? rng.pick([0x40, 0x20, 0x10]) : 0;
  const masked = rng.chance(0.9);
  const lengthBytes =
    payload.length < 126
      ? Buffer.from([payload.length])
      : payload.length < 65_536
        ? Buffer.from([126, payload.length >> 8, payload.length & 255])
        : Buffer.concat([Buffer.from([127]), Buffer.alloc(4), Buffer.from([0, 1, 0x11, 0x70])]);
  lengthBytes[0] = (lengthBytes[0] as number) | (masked ? 0x80 : 0);
  const mask = masked ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload);
  if (masked) {
    for (let i = 0; i < body.length; i++) {
      body[i] = (body[i] as number) ^ (mask[i % 4] as number);
    }
  }
  const frame = Buffer.concat([Buffer.from([fin | rsv | opcode]), lengthBytes, mask, body]);
  // Sometimes only part of it.
  return rng.chance(0.1) ? frame.subarray(0, rng.int(frame.length)) : frame;
}

test('fuzz - malformed WebSocket frames end only their own connection', {
  timeout: 120_000,
}, async () => {
  const env = await startEnv();
  try {
    const rng = new Prng(SEED + 1);
    const port = Number(new URL(env.sig.httpUrl).port);
    const deadline = Date.now() + BUDGET_MS;
    let done = 0;
    for (; done < RAW_ITERATIONS && Date.now() < deadline; done++) {
      const socket = await rawWebSocket(port);
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      for (let n = 1 + rng.int(3); n > 0; n--) {
        socket.write(rawFrame(rng));
      }
      // The server either closes the connection or keeps waiting for more bytes.
      await Promise.race([once(socket, 'close'), new Promise((r) => setTimeout(r, 30))]);
      socket.destroy();
      if (done % 50 === 49) {
        await assertBystanderFine(env, `raw iteration ${done}`);
      }
    }
    assert.ok(done >= 50, `only ${done} iterations in the time budget`);
    await assertBystanderFine(env, 'end');
    const fresh = await env.sig.connect();
    fresh.send({ type: 'bye' });
    assert.equal((await fresh.next('error')).type, 'error');
    await fresh.close();
  } finally {
    await env.close();
  }
});

/** Valid backend requests to mutate. */
function backendSeeds(env: Env): unknown[] {
  return [
    {
      type: 'invite',
      invite: { userids: ['alice'], alluserids: ['alice'], properties: { name: 'x' } },
    },
    {
      type: 'disinvite',
      disinvite: { userids: ['alice'], sessionids: ['s'], alluserids: [], properties: {} },
    },
    { type: 'update', update: { userids: ['alice'], properties: { name: 'y' } } },
    { type: 'delete', delete: { userids: ['alice'] } },
    { type: 'incall', incall: { incall: 1, changed: [{ sessionId: 'x', inCall: 1 }], users: [] } },
    { type: 'incall', incall: { incall: 0, all: true } },
    {
      type: 'participants',
      participants: { changed: [{ sessionId: 'x', permissions: ['publish-audio'] }], users: [] },
    },
    { type: 'message', message: { data: { type: 'chat', chat: { refresh: true } } } },
    { type: 'switchto', switchto: { roomid: 'other', sessions: ['x'] } },
    { type: 'dialout', dialout: { number: '+1234', options: { actorId: 'a' } } },
    { type: 'transient', transient: {} },
    [env.bystander.sessionId],
  ];
}

test('fuzz - mutated backend API requests get a defined HTTP answer; sessions unaffected', {
  timeout: 120_000,
}, async (t) => {
  const env = await startEnv();
  try {
    const rng = new Prng(SEED + 2);
    const seeds = backendSeeds(env);
    const deadline = Date.now() + BUDGET_MS;
    const statuses = new Map<number, number>();
    let done = 0;
    for (; done < BACKEND_ITERATIONS && Date.now() < deadline; done++) {
      const seed = rng.pick(seeds);
      const body = rng.chance(0.2)
        ? plantHostile(rng, seed, MAX_JSON_DEPTH)
        : rng.chance(0.7)
          ? JSON.stringify(mutateValue(rng, seed))
          : mutateText(rng, JSON.stringify(seed));
      const random = rng.chance(0.1) ? '' : randomBytes(32).toString('hex');
      const headers: Record<string, string> = {
        'Content-Type': rng.chance(0.95) ? 'application/json' : rng.pick(['text/plain', '']),
        'Spreed-Signaling-Random': random,
        // Most requests are signed correctly, so they reach the parser and the rooms layer.
        'Spreed-Signaling-Checksum': rng.chance(0.85)
          ? calculateChecksum(random, body, env.dev.secret)
          : 'f'.repeat(64),
        'Spreed-Signaling-Backend': rng.chance(0.9) ? env.dev.url : 'https://other.invalid/',
      };
      const room = rng.chance(0.8)
        ? 'fuzz'
        : rng.pick(['other', '%2e%2e', 'a%2Fb', encodeURIComponent('ü'), '%zz']);
      const reply = await request(`${env.sig.httpUrl}api/v1/room/${room}`, {
        method: 'POST',
        headers,
        body,
      });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      const context = `seed ${SEED + 2} iteration ${done}: ${reply.status} ${reply.text.slice(0, 200)} for ${body.slice(0, 300)}`;
      // Bad input is refused with a 400 before processing; a 500 or another status would be a
      // crash or a new answer.
      if (![200, 400, 403, 404, 413, 429].includes(reply.status)) {
        assert.fail(context);
      }
      if (reply.status === 200) {
        assert.doesNotThrow(() => JSON.parse(reply.text), context);
      }
      if (done % 100 === 99) {
        await assertBystanderFine(env, `backend iteration ${done}`);
      }
    }
    t.diagnostic(`seed ${SEED + 2}, ${done} requests, statuses: ${JSON.stringify([...statuses])}`);
    assert.ok(done >= 200, `only ${done} iterations in the time budget`);
    // Most requests passed the checksum and were parsed.
    assert.ok(
      (statuses.get(200) ?? 0) + (statuses.get(400) ?? 0) > done / 2,
      JSON.stringify([...statuses]),
    );
    await assertBystanderFine(env, 'end');
  } finally {
    await env.close();
  }
});
