import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { DevBackend } from '@spreed-ts/devbackend';
import { startRooms } from '@spreed-ts/server';
import {
  type Frame,
  type SignalingFixture,
  type StartSignalingOptions,
  startSignaling,
  type TestClient,
} from '@spreed-ts/testkit';
import { WebSocketServer } from 'ws';
import { isEvent, joinedIds, type RoomsEnv, startRoomsEnv } from '../server/helpers/rooms-env.js';

/** A port that was free a moment ago (B must come back on the same one after a restart). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** The "remote" side: Talk B and signaling server B on a fixed port. */
async function startB(dev: DevBackend, port: number): Promise<SignalingFixture> {
  const options: StartSignalingOptions & { port: number } = {
    backends: [{ url: dev.url, secret: dev.secret }],
    setup: (server) => startRooms(server),
    port,
  };
  const sig = await startSignaling(options);
  dev.setSignalingUrl(sig.httpUrl);
  return sig;
}

interface Federated {
  envA: RoomsEnv;
  devB: DevBackend;
  sigB: SignalingFixture;
  port: number;
  alice: TestClient;
  aliceId: string;
  bob: TestClient;
  bobId: string;
  /** Alice's session id as B's clients see it. */
  aliceRemoteId: string;
  close(): Promise<void>;
}

async function helloB(sig: SignalingFixture, dev: DevBackend, userId: string) {
  const client = await sig.connect();
  client.send({
    type: 'hello',
    hello: {
      version: '1.0',
      auth: { url: dev.url, params: { userid: userId, ticket: dev.ticketFor(userId) } },
    },
  });
  const hello = await client.next('hello');
  return { client, sessionId: (hello.hello as { sessionid: string }).sessionid };
}

function joinEntries(frame: Frame): Array<Record<string, unknown>> {
  return (frame.event as { join: Array<Record<string, unknown>> }).join;
}

/** Alice on A joins room `fed` hosted by B, where Bob is. */
async function federate(): Promise<Federated> {
  const envA = await startRoomsEnv();
  envA.dev.addUser('alice');
  const devB = new DevBackend();
  await devB.start();
  devB.addUser('bob');
  devB.addUser('carol');
  devB.createRoom({ token: 'fed', owner: 'bob' });
  const port = await freePort();
  const state = { sigB: await startB(devB, port) };
  const bobTalk = devB.joinRoom('fed', { userId: 'bob' });
  const bob = await helloB(state.sigB, devB, 'bob');
  const bobJoin = bob.client.send({
    type: 'room',
    room: { roomid: 'fed', sessionid: bobTalk.sessionId },
  });
  await bob.client.next((f) => f.id === bobJoin && f.type === 'room');

  const alice = await envA.hello('alice');
  const fedTalk = devB.joinRoom('fed', { userId: 'carol' });
  const id = alice.client.send({
    type: 'room',
    room: {
      roomid: 'fed',
      sessionid: fedTalk.sessionId,
      federation: {
        signaling: state.sigB.httpUrl,
        url: devB.url,
        token: devB.helloV2Token('carol'),
      },
    },
  });
  const room = await alice.client.next((f) => f.id === id);
  assert.equal(room.type, 'room', JSON.stringify(room));
  assert.equal((room.room as { roomid: string }).roomid, 'fed');
  const fedJoin = await bob.client.next(
    (f) => isEvent('room', 'join')(f) && joinEntries(f).some((e) => e.federated === true),
  );
  const entry = joinEntries(fedJoin).find((e) => e.federated === true);
  const aliceRemoteId = String(entry?.sessionid);
  return {
    envA,
    devB,
    get sigB() {
      return state.sigB;
    },
    set sigB(sig) {
      state.sigB = sig;
    },
    port,
    alice: alice.client,
    aliceId: alice.sessionId,
    bob: bob.client,
    bobId: bob.sessionId,
    aliceRemoteId,
    async close() {
      await bob.client.close();
      await envA[Symbol.asyncDispose]();
      await state.sigB.close();
      await devB.close();
    },
  };
}

test('federation - a client of A joins a room on B and talks with its clients', {
  timeout: 20_000,
}, async () => {
  const f = await federate();
  try {
    assert.notEqual(f.aliceRemoteId, f.aliceId);
    // Alice sees the remote room as local: her own id (not the remote one) and Bob in join events.
    const own = await f.alice.next(
      (frame) => isEvent('room', 'join')(frame) && joinedIds(frame).includes(f.aliceId),
    );
    assert.equal(joinEntries(own).find((e) => e.sessionid === f.aliceId)?.federated, true);
    await f.alice.next(
      (frame) => isEvent('room', 'join')(frame) && joinedIds(frame).includes(f.bobId),
    );
    assert.ok(!f.alice.buffered.some((frame) => JSON.stringify(frame).includes(f.aliceRemoteId)));

    f.bob.send({
      type: 'message',
      message: {
        recipient: { type: 'session', sessionid: f.aliceRemoteId },
        data: { type: 'offer', to: f.aliceRemoteId, from: f.bobId },
      },
    });
    const fromBob = await f.alice.next('message');
    assert.deepEqual(fromBob.message, {
      sender: { type: 'session', sessionid: f.bobId, userid: 'bob' },
      data: { type: 'offer', to: f.aliceId, from: f.bobId },
    });

    f.alice.send({
      type: 'message',
      message: { recipient: { type: 'session', sessionid: f.bobId }, data: 'hello from A' },
    });
    const fromAlice = await f.bob.next('message');
    assert.deepEqual((fromAlice.message as { sender: unknown }).sender, {
      type: 'session',
      sessionid: f.aliceRemoteId,
      userid: 'carol',
    });
    assert.equal((fromAlice.message as { data: unknown }).data, 'hello from A');

    // Leaving closes the proxied session: Bob sees Alice's remote session leave.
    const leaveId = f.alice.send({ type: 'room', room: { roomid: '' } });
    const left = await f.alice.next((frame) => frame.id === leaveId);
    assert.deepEqual(left.room, { roomid: '' });
    await f.bob.next((frame) => isEvent('room', 'leave')(frame));
  } finally {
    await f.close();
  }
});

test('federation - unreachable or non-federating targets are errors', {
  timeout: 15_000,
}, async () => {
  await using envA = await startRoomsEnv();
  envA.dev.addUser('alice');
  const alice = await envA.hello('alice');
  const port = await freePort();
  const id = alice.client.send({
    type: 'room',
    room: {
      roomid: 'fed',
      sessionid: 'talk-1',
      federation: { signaling: `http://127.0.0.1:${port}/`, url: envA.dev.url, token: 'x' },
    },
  });
  const error = await alice.client.next((f) => f.id === id);
  assert.equal(error.type, 'error');
  const body = error.error as { code: string; details: { code: string } };
  assert.equal(body.code, 'federation_error');
  assert.equal(body.details.code, 'network_error');
});

test('federation - B restarted: interrupted, then resumed with a new remote session', {
  timeout: 30_000,
}, async () => {
  const f = await federate();
  try {
    await f.alice.next(
      (frame) => isEvent('room', 'join')(frame) && joinedIds(frame).includes(f.bobId),
    );
    await f.sigB.close();
    await f.alice.next(isEvent('room', 'federation_interrupted'));
    f.sigB = await startB(f.devB, f.port);
    const resumed = await f.alice.next(isEvent('room', 'federation_resumed'), 15_000);
    assert.equal((resumed.event as { resumed: boolean }).resumed, false);
    const room = await f.alice.next('room');
    assert.equal((room.room as { roomid: string }).roomid, 'fed');
    const join = await f.alice.next(isEvent('room', 'join'));
    assert.ok(joinedIds(join).includes(f.aliceId));
  } finally {
    await f.close();
  }
});

test('federation - a dropped connection resumes the remote session', {
  timeout: 20_000,
}, async () => {
  const f = await federate();
  try {
    await f.alice.next(
      (frame) => isEvent('room', 'join')(frame) && joinedIds(frame).includes(f.bobId),
    );
    // B drops the proxied connection but keeps the session for a resume.
    f.sigB.server.hub.session(f.aliceRemoteId)?.connection?.close(1001, 'dropped');
    await f.alice.next(isEvent('room', 'federation_interrupted'));
    const resumed = await f.alice.next(isEvent('room', 'federation_resumed'), 10_000);
    assert.equal((resumed.event as { resumed: boolean }).resumed, true);
    // Still the same remote session: Bob's messages arrive.
    f.bob.send({
      type: 'message',
      message: { recipient: { type: 'session', sessionid: f.aliceRemoteId }, data: 'again' },
    });
    assert.equal(((await f.alice.next('message')).message as { data: unknown }).data, 'again');
  } finally {
    await f.close();
  }
});

test('federation - a target without the federation feature', { timeout: 15_000 }, async () => {
  await using envA = await startRoomsEnv();
  envA.dev.addUser('alice');
  const alice = await envA.hello('alice');
  const plain = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => plain.once('listening', resolve));
  const address = plain.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  try {
    const id = alice.client.send({
      type: 'room',
      room: {
        roomid: 'fed',
        sessionid: 'talk-1',
        federation: { signaling: `http://127.0.0.1:${port}/`, url: envA.dev.url, token: 'x' },
      },
    });
    const error = await alice.client.next((frame) => frame.id === id);
    assert.equal((error.error as { code: string }).code, 'federation_unsupported');
  } finally {
    await new Promise((resolve) => plain.close(resolve));
  }
});

test('federation - joining a local room or saying bye ends the remote session', {
  timeout: 20_000,
}, async () => {
  const leaves = (f: Federated) =>
    f.bob.next(
      (frame) =>
        isEvent('room', 'leave')(frame) &&
        (frame.event as { leave: string[] }).leave.includes(f.aliceRemoteId),
    );
  const first = await federate();
  try {
    first.envA.dev.createRoom({ token: 'local', owner: 'alice' });
    const talk = first.envA.dev.joinRoom('local', { userId: 'alice' });
    const id = first.alice.send({
      type: 'room',
      room: { roomid: 'local', sessionid: talk.sessionId },
    });
    const room = await first.alice.next((frame) => frame.id === id);
    assert.equal((room.room as { roomid: string }).roomid, 'local');
    await leaves(first);
  } finally {
    await first.close();
  }
  const second = await federate();
  try {
    second.alice.send({ type: 'bye', bye: {} });
    await leaves(second);
  } finally {
    await second.close();
  }
});
