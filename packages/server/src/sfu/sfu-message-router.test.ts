import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import type { MessageRequest } from '@spreed-ts/protocol';
import type { Backend } from '../backend/backend-registry.js';
import { ClientSession } from '../hub/client-session.js';
import { silentLogger } from '../logger.js';
import type { ClientConnection } from '../transport/client-connection.js';
import { IpList } from '../transport/real-ip.js';
import { FakeJanus, fakeSdp } from './janus/fake-janus.js';
import { JanusSfu } from './janus/janus-sfu.js';
import type { SfuRoomsView } from './sfu-lifecycle.js';
import { SfuMessageRouter } from './sfu-message-router.js';

const BACKEND: Backend = {
  id: 'b1',
  urls: ['https://cloud.example/'],
  secret: 's',
  sessionLimit: 0,
  maxStreamBitrate: 0,
  maxScreenBitrate: 0,
};

type Frame = Record<string, unknown> & { type: string };

/** A session with a fake connection that records what it is sent. */
class Peer {
  readonly session: ClientSession;
  readonly frames: Frame[] = [];
  #wake: (() => void) | undefined;
  permissions: Set<string> | undefined;
  room: string | undefined = 'room-1';
  inCall = true;

  constructor(id: string, userId: string, backend: Backend = BACKEND) {
    this.session = new ClientSession({
      publicId: id,
      privateId: `private-${id}`,
      clientType: 'client',
      backend,
      backendUrl: 'https://cloud.example/',
      userId,
      user: undefined,
      features: [],
    });
    const connection = {
      isOpen: true,
      session: undefined as unknown,
      send: (text: string) => {
        this.frames.push(JSON.parse(text) as Frame);
        this.#wake?.();
        return true;
      },
    };
    this.session.attach(connection as unknown as ClientConnection);
  }

  get id(): string {
    return this.session.publicId;
  }

  async next(type?: string, timeoutMs = 3_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex((f) => type === undefined || f.type === type);
      if (index >= 0) {
        return this.frames.splice(index, 1)[0] as Frame;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no ${type ?? 'frame'} for ${this.id}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async nothing(ms = 100): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    assert.deepEqual(this.frames, []);
  }
}

async function setup(options: { timeoutMs?: number; allowSubscribeAny?: boolean } = {}) {
  const fake = await FakeJanus.start();
  const sfu = new JanusSfu({
    url: fake.url,
    timeoutMs: options.timeoutMs ?? 1_000,
    limits: { maxStreamBitrate: 1_000_000, maxScreenBitrate: 2_000_000 },
    filter: { allowed: undefined, blocked: new IpList(['10.0.0.0/8']) },
    logger: silentLogger,
  });
  const connected = once(sfu, 'connected');
  sfu.start();
  await connected;
  const peers = new Map<string, Peer>();
  const view: SfuRoomsView = {
    hasPermission: (s, p) => {
      const perms = peers.get(s.publicId)?.permissions;
      return perms === undefined ? p !== 'hide-displaynames' : perms.has(p);
    },
    whyNotInSameCall: (sender, id) => {
      const a = peers.get(sender.publicId);
      const b = peers.get(id);
      if (!a?.inCall) {
        return 'sender not in call';
      }
      if (b === undefined) {
        return 'recipient unknown';
      }
      return b.inCall && b.room === a.room ? undefined : 'recipient not in call';
    },
    callState: (s) => {
      const p = peers.get(s.publicId);
      return { room: p?.room, inCall: p?.inCall ?? false };
    },
    userId: (s) => s.userId,
    recipient: (id) => peers.get(id)?.session,
  };
  const relayed: Array<{ from: string; request: MessageRequest }> = [];
  let p2p = new Set<string>();
  const router = new SfuMessageRouter({
    sfu,
    view,
    allowSubscribeAny: () => options.allowSubscribeAny ?? false,
    filter: () => ({ allowed: undefined, blocked: new IpList(['10.0.0.0/8']) }),
    usesSfu: (s) => !p2p.has(s.publicId),
    logger: silentLogger,
    screenCloseDelayMs: 50,
  });
  const peer = (id: string, userId = '', backend?: Backend) => {
    const p = new Peer(id, userId, backend);
    peers.set(id, p);
    return p;
  };
  const send = (from: Peer, to: string, data: unknown, id?: string) => {
    const request: MessageRequest = { recipient: { type: 'session', sessionid: to }, data };
    return router.handleMessage(from.session, id, request, () => {
      relayed.push({ from: from.id, request });
      return undefined;
    });
  };
  return {
    fake,
    sfu,
    router,
    peer,
    send,
    relayed,
    setP2p: (ids: string[]) => {
      p2p = new Set(ids);
    },
    async [Symbol.asyncDispose]() {
      await sfu.close();
      await fake.close();
    },
  };
}

async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error('condition not reached');
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const offer = (roomType = 'video', sid = 'sid-1', sdp = fakeSdp('offer')) => ({
  type: 'offer',
  roomType,
  sid,
  payload: { type: 'offer', sdp },
});

test("sfu router - an offer to oneself publishes; the answer comes from one's own session", {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const alice = env.peer('alice-sid', 'alice');
  await env.send(alice, alice.id, offer());
  assert.deepEqual(await alice.next(), {
    type: 'message',
    message: {
      sender: { type: 'session', sessionid: 'alice-sid', userid: 'alice' },
      data: {
        to: 'alice-sid',
        from: 'alice-sid',
        type: 'answer',
        roomType: 'video',
        payload: { type: 'answer', sdp: fakeSdp('answer') },
        sid: 'sid-1',
      },
    },
  });
  assert.equal(env.relayed.length, 0);
  // Janus's candidates for the publisher come from the own session too.
  const handle = env.fake.handles('publisher')[0] as number;
  env.fake.event(handle, {
    janus: 'trickle',
    candidate: {
      sdpMid: '0',
      sdpMLineIndex: 0,
      candidate: 'candidate:1 1 udp 1 127.0.0.2 9 typ host',
    },
  });
  assert.deepEqual(await alice.next(), {
    type: 'message',
    message: {
      sender: { type: 'session', sessionid: 'alice-sid' },
      data: {
        to: 'alice-sid',
        from: 'alice-sid',
        type: 'candidate',
        roomType: 'video',
        payload: {
          candidate: {
            sdpMid: '0',
            sdpMLineIndex: 0,
            candidate: 'candidate:1 1 udp 1 127.0.0.2 9 typ host',
          },
        },
        sid: 'sid-1',
      },
    },
  });
});

test('sfu router - publishing without permission is not_allowed, saying which permission', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const alice = env.peer('alice-sid', 'alice');
  alice.permissions = new Set(['publish-video']);
  await env.send(alice, alice.id, offer(), 'm1');
  assert.deepEqual(await alice.next(), {
    id: 'm1',
    type: 'error',
    error: {
      code: 'not_allowed',
      message: 'Not allowed to publish.',
      details: { reason: 'missing permission', permission: 'publish-audio' },
    },
  });
  await env.send(alice, alice.id, offer('screen'), 'm2');
  assert.equal(
    ((await alice.next()).error as { details: { permission: string } }).details.permission,
    'publish-screen',
  );
  alice.permissions = new Set(['publish-media']);
  await env.send(alice, alice.id, offer());
  assert.equal(((await alice.next()).message as { data: { type: string } }).data.type, 'answer');
  assert.equal(
    env.fake.sent('create').length,
    2,
    'session + one room: refused offers create nothing',
  );
});

test("sfu router - requestoffer delivers the publisher's offer from the publisher's session", {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const alice = env.peer('alice-sid', 'alice');
  const bob = env.peer('bob-sid', 'bob');
  await env.send(alice, alice.id, offer());
  await alice.next();
  await env.send(bob, alice.id, { type: 'requestoffer', roomType: 'video' });
  const frame = await bob.next();
  const sid = String(env.fake.handles('subscriber')[0]);
  assert.deepEqual(frame, {
    type: 'message',
    message: {
      sender: { type: 'session', sessionid: 'alice-sid' },
      data: {
        to: 'bob-sid',
        from: 'alice-sid',
        type: 'offer',
        roomType: 'video',
        payload: { type: 'offer', sdp: fakeSdp('offer') },
        sid,
      },
    },
  });
  await env.send(bob, alice.id, {
    type: 'answer',
    roomType: 'video',
    sid,
    payload: { type: 'answer', sdp: fakeSdp('answer') },
  });
  await env.fake.waitFor('start');
  // A candidate for the subscriber is addressed to the publisher's session id.
  await env.send(bob, alice.id, {
    type: 'candidate',
    roomType: 'video',
    sid,
    payload: { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 7 typ host', sdpMid: '0' } },
  });
  await env.fake.waitFor('trickle');
  await bob.nothing();
});

test('sfu router - requestoffer outside the call is not_allowed with the reason', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const alice = env.peer('alice-sid', 'alice');
  const bob = env.peer('bob-sid', 'bob');
  bob.inCall = false;
  await env.send(bob, alice.id, { type: 'requestoffer', roomType: 'video' }, 'r1');
  assert.deepEqual(await bob.next(), {
    id: 'r1',
    type: 'error',
    error: {
      code: 'not_allowed',
      message: 'Not allowed to request offer.',
      details: { reason: 'sender not in call' },
    },
  });
  bob.inCall = true;
  await env.send(bob, 'nobody', { type: 'requestoffer', roomType: 'video' });
  assert.deepEqual((await bob.next()).error, {
    code: 'not_allowed',
    message: 'Not allowed to request offer.',
    details: { reason: 'recipient unknown' },
  });
  alice.inCall = false;
  await env.send(bob, alice.id, { type: 'requestoffer', roomType: 'video' });
  assert.deepEqual(((await bob.next()).error as { details: unknown }).details, {
    reason: 'recipient not in call',
  });
  // Asking oneself is ignored.
  await env.send(bob, bob.id, { type: 'requestoffer', roomType: 'video' });
  await bob.nothing();
});

test('sfu router - requestoffer with allowsubscribeany; no publisher in time is client_not_found', {
  timeout: 10_000,
}, async () => {
  await using env = await setup({ timeoutMs: 150, allowSubscribeAny: true });
  const bob = env.peer('bob-sid', 'bob');
  bob.inCall = false;
  await env.send(bob, 'alice-sid', { type: 'requestoffer', roomType: 'video' }, 'r2');
  assert.deepEqual(await bob.next(), {
    id: 'r2',
    type: 'error',
    error: { code: 'client_not_found', message: 'No MCU client found to send message to.' },
  });
});

test('sfu router - messages for publishers and subscribers that do not exist: client_not_found', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const bob = env.peer('bob-sid', 'bob');
  const notFound = { code: 'client_not_found', message: 'No MCU client found to send message to.' };
  await env.send(bob, 'alice-sid', {
    type: 'answer',
    roomType: 'video',
    payload: { type: 'answer', sdp: fakeSdp('a') },
  });
  assert.deepEqual((await bob.next()).error, notFound);
  await env.send(bob, bob.id, { type: 'endOfCandidates', roomType: 'video' });
  assert.deepEqual((await bob.next()).error, notFound);
  await env.send(bob, 'alice-sid', {
    type: 'selectStream',
    roomType: 'video',
    payload: { substream: 0 },
  });
  assert.deepEqual((await bob.next()).error, notFound);
  // Filtered candidates (blocked, mDNS) are dropped silently, before anything else.
  const candidate = (address: string) => ({
    type: 'candidate',
    roomType: 'video',
    payload: { candidate: { candidate: `candidate:1 1 udp 1 ${address} 7 typ host` } },
  });
  await env.send(bob, bob.id, candidate('10.9.9.9'));
  await env.send(bob, bob.id, candidate('x.local'));
  await env.send(bob, bob.id, { type: 'selectStream', roomType: 'video' });
  await bob.nothing();
});

test("sfu router - candidates for one's own stream need a publish permission", {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const bob = env.peer('bob-sid', 'bob');
  bob.permissions = new Set();
  await env.send(bob, bob.id, {
    type: 'candidate',
    roomType: 'video',
    payload: { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 7 typ host' } },
  });
  assert.deepEqual((await bob.next()).error, {
    code: 'not_allowed',
    message: 'Not allowed to send candidate.',
    details: { reason: 'missing permission', permission: 'publish-media' },
  });
});

test('sfu router - an SFU failure is processing_failed', { timeout: 10_000 }, async () => {
  await using env = await setup();
  const alice = env.peer('alice-sid', 'alice');
  await env.send(alice, alice.id, offer());
  await alice.next();
  await env.send(
    alice,
    alice.id,
    { type: 'answer', roomType: 'video', payload: { type: 'answer', sdp: fakeSdp('a') } },
    'x',
  );
  assert.deepEqual(await alice.next(), {
    id: 'x',
    type: 'error',
    error: {
      code: 'processing_failed',
      message: 'Processing of the message failed, please check server logs.',
    },
  });
});

test("sfu router - invalid MCU data is answered with upstream's error, also for room messages", {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const alice = env.peer('alice-sid', 'alice');
  await env.send(
    alice,
    alice.id,
    { type: 'offer', roomType: 'video', payload: { sdp: 'x' } },
    'e1',
  );
  const error = await alice.next();
  assert.equal(error.id, 'e1');
  assert.equal((error.error as { code: string }).code, 'invalid_sdp');
  const request: MessageRequest = { recipient: { type: 'room' }, data: { roomType: 'video' } };
  await env.router.handleMessage(alice.session, 'e2', request, () => {
    env.relayed.push({ from: alice.id, request });
    return undefined;
  });
  assert.equal(((await alice.next()).error as { code: string }).code, 'invalid_format');
  assert.equal(env.relayed.length, 0);
});

test('sfu router - what is not for the SFU is relayed (other types, other shapes, p2p sessions)', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const alice = env.peer('alice-sid', 'alice');
  const bob = env.peer('bob-sid', 'bob');
  await env.send(alice, bob.id, { type: 'nickChanged', payload: { name: 'A' } });
  await env.send(alice, bob.id, 'plain text');
  await env.send(alice, bob.id, { type: 'offer', sid: 12 });
  env.setP2p([alice.id]);
  await env.send(alice, bob.id, offer());
  assert.equal(env.relayed.length, 4);
  await alice.nothing();
  assert.equal(env.fake.sent('create').length, 1, 'no publisher was created');
});

test("sfu router - sendoffer pushes the sharer's screen to the recipient", {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const alice = env.peer('alice-sid', 'alice');
  const bob = env.peer('bob-sid', 'bob');
  await env.send(alice, alice.id, offer('screen', 'screen-1'));
  await alice.next();
  await env.send(alice, bob.id, { type: 'sendoffer', roomType: 'screen' });
  const frame = await bob.next();
  const message = frame.message as { sender: unknown; data: Record<string, unknown> };
  assert.deepEqual(message.sender, { type: 'session', sessionid: 'alice-sid' });
  assert.equal(message.data.from, 'alice-sid');
  assert.equal(message.data.to, 'bob-sid');
  assert.equal(message.data.type, 'offer');
  assert.equal(message.data.roomType, 'screen');
  await alice.nothing();
  alice.permissions = new Set(['publish-media']);
  await env.send(alice, bob.id, { type: 'sendoffer', roomType: 'screen' }, 's1');
  assert.deepEqual((await alice.next()).error, {
    code: 'not_allowed',
    message: 'Not allowed to send offer',
    details: { reason: 'missing permission', permission: 'publish-screen' },
  });
  assert.equal(env.relayed.length, 0);
});

test('sfu router - unshareScreen closes the screen publisher a moment later and is relayed', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const alice = env.peer('alice-sid', 'alice');
  await env.send(alice, alice.id, offer('screen', 'screen-1'));
  await alice.next();
  await env.send(alice, alice.id, { type: 'unshareScreen', roomType: 'screen' });
  assert.equal(env.relayed.length, 1);
  await env.fake.waitFor('destroy');
  await until(() => env.sfu.counts.publishers === 0);
});

test('sfu router - leaving the call, losing permissions or closing releases SFU objects', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const alice = env.peer('alice-sid', 'alice');
  const bob = env.peer('bob-sid', 'bob');
  await env.send(alice, alice.id, offer());
  await alice.next();
  await env.send(alice, alice.id, offer('screen', 'screen-1'));
  await alice.next();
  await env.send(bob, alice.id, { type: 'requestoffer', roomType: 'video' });
  await bob.next();
  assert.deepEqual(env.sfu.counts, { publishers: 2, subscribers: 1 });
  // Permissions: the screen needs publish-screen, audio needs publish-audio.
  alice.permissions = new Set(['publish-audio']);
  env.router.lifecycle.reconcile();
  await until(() => env.sfu.counts.publishers === 1);
  assert.equal(env.fake.sent('destroy').length, 1);
  // Leaving the call releases the subscriber.
  bob.inCall = false;
  env.router.lifecycle.reconcile();
  await until(() => env.sfu.counts.subscribers === 0);
  // Closing the session releases the rest.
  env.router.lifecycle.sessionClosed(alice.session);
  await until(() => env.sfu.counts.publishers === 0);
  assert.equal(env.fake.sent('destroy').length, 2);
});

test('sfu router - the published bitrate is the lowest of offer, backend and [mcu] limits', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const capped = env.peer('capped-sid', 'c', { ...BACKEND, maxStreamBitrate: 300_000 });
  await env.send(capped, capped.id, { ...offer(), bitrate: 900_000 });
  await capped.next();
  await env.send(capped, capped.id, { ...offer('screen', 's'), bitrate: 5_000_000 });
  await capped.next();
  const free = env.peer('free-sid', 'f');
  await env.send(free, free.id, { ...offer(), bitrate: 100_000 });
  await free.next();
  await env.send(free, free.id, offer('screen', 's'));
  await free.next();
  const bitrates = env.fake
    .sent('create')
    .map((r) => (r.body as { bitrate?: number } | undefined)?.bitrate);
  // The first create is Janus's session; then one room per published stream.
  assert.deepEqual(bitrates.slice(1), [300_000, 2_000_000, 100_000, 2_000_000]);
});
