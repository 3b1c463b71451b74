import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_JSON_DEPTH } from '@spreed-ts/protocol';
import type { SessionMessageHandler } from '@spreed-ts/server';
import { startSignaling, type TestClient } from '@spreed-ts/testkit';
import { startInProcessCluster } from '../cluster/helpers/inprocess-cluster.js';
import {
  grantPermissions,
  joinedClient,
  seesJoin,
  settle,
  startRoomsEnv,
} from './helpers/rooms-env.js';
import { postBackendApiText, signIn } from './helpers/talk-steps.js';

/**
 * Values a hostile (or broken) client may send: nested past every limit, nested exactly to the
 * limit, very wide, very long. Each must cost at most its sender an error; the process, the other
 * sessions and the sender's own connection go on.
 */

/** `depth` nested arrays around 1, as text (serialising such a value would overflow the stack). */
function nestedText(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

/** The deepest value that fits in slot `at` of a client frame (the frame itself is level 1). */
const deepestAt = (slotLevel: number) => nestedText(MAX_JSON_DEPTH - slotLevel + 1);

/** Frames (as text with `@` for a value two levels below the top) of every client message type. */
function frames(target: string): Record<string, string> {
  const session = `{"type":"session","sessionid":"${target}"}`;
  return {
    'message to session': `{"id":"m1","type":"message","message":{"recipient":${session},"data":@}}`,
    'message to user': `{"id":"m2","type":"message","message":{"recipient":{"type":"user","userid":"bob"},"data":@}}`,
    'message to room': `{"id":"m3","type":"message","message":{"recipient":{"type":"room"},"data":@}}`,
    'message to call': `{"id":"m4","type":"message","message":{"recipient":{"type":"call"},"data":@}}`,
    control: `{"id":"c1","type":"control","control":{"recipient":{"type":"room"},"data":@}}`,
    'transient set': `{"id":"t1","type":"transient","transient":{"type":"set","key":"k","value":@}}`,
    'room join': `{"id":"r1","type":"room","room":{"roomid":"x","extra":@}}`,
    'internal addsession': `{"id":"i1","type":"internal","internal":{"type":"addsession","addsession":{"sessionid":"v","roomid":"x","user":@}}}`,
    bye: `{"id":"b1","type":"bye","bye":{"x":@}}`,
    'unknown type': `{"id":"u1","type":"frobnicate","frobnicate":{"x":@}}`,
    hello: `{"id":"h1","type":"hello","hello":{"version":"1.0","auth":{"url":"http://x/","params":@}}}`,
  };
}

async function expectDepthError(client: TestClient, id: string, what: string): Promise<void> {
  const reply = await client.next((f) => f.type === 'error' && f.id === id, 5_000);
  const error = reply.error as { code: string; details?: { reason?: string } };
  assert.equal(error.code, 'invalid_format', what);
  assert.match(String(error.details?.reason), /nested deeper than 256 levels/, what);
}

test('hostile values - nesting past the limit is invalid_format on every message type, before and after hello', {
  timeout: 30_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.addUser('bob');
  env.dev.createRoom({ token: 'deep', owner: 'alice' });
  const alice = await joinedClient(env, 'deep', 'alice');
  const bob = await joinedClient(env, 'deep', 'bob');
  await seesJoin(alice.client, bob.sessionId);
  await settle(env, alice.client, bob.client);
  const anonymous = await env.sig.connect();

  // Just over the limit (every slot is at level 3 or deeper), a few thousand (the depth that
  // crashed the server), and as deep as a 64 KiB frame allows.
  for (const depth of [MAX_JSON_DEPTH - 1, 5_000, 30_000]) {
    for (const [what, template] of Object.entries(frames(bob.sessionId))) {
      const text = template.replace('@', nestedText(depth));
      const id = /"id":"(\w+)"/.exec(text)?.[1] as string;
      alice.client.sendRaw(text);
      await expectDepthError(alice.client, id, `${what} at depth ${depth}`);
      anonymous.sendRaw(text);
      await expectDepthError(anonymous, id, `${what} at depth ${depth}, before hello`);
    }
  }
  // Nothing reached anybody, and both senders are still connected and served.
  await bob.client.expectNothing((f) => f.type === 'message' || f.type === 'transient', 100);
  assert.equal(alice.client.isClosed, false);
  assert.equal(anonymous.isClosed, false);
  alice.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: bob.sessionId }, data: 'still here' },
  });
  assert.equal(
    ((await bob.client.next('message')).message as { data: unknown }).data,
    'still here',
  );
  assert.equal(env.sig.server.metrics.clientHandlerErrorsTotal.get(), 0);
  await anonymous.close();
});

test('hostile values - the deepest, widest and longest accepted values travel intact', {
  timeout: 30_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.createRoom({ token: 'big' });
  const a = await joinedClient(env, 'big', null);
  const b = await joinedClient(env, 'big', null);
  await seesJoin(a.client, b.sessionId);
  await grantPermissions(env, 'big', [a, b], ['transient-data']);
  await settle(env, a.client, b.client);

  const deepest = deepestAt(3); // data/value sit at level 3 of their frames
  const values: Record<string, string> = {
    deepest,
    'deepest object': `${'{"k":'.repeat(MAX_JSON_DEPTH - 2)}1${'}'.repeat(MAX_JSON_DEPTH - 2)}`,
    'wide object': JSON.stringify(
      Object.fromEntries(Array.from({ length: 4_000 }, (_, i) => [`k${i}`, i])),
    ),
    'wide array': JSON.stringify(Array.from({ length: 15_000 }, (_, i) => i % 10)),
    'long string': JSON.stringify('x'.repeat(60_000)),
  };
  for (const [what, value] of Object.entries(values)) {
    const expected: unknown = JSON.parse(value);
    a.client.sendRaw(
      `{"type":"message","message":{"recipient":{"type":"session","sessionid":"${b.sessionId}"},"data":${value}}}`,
    );
    const got = await b.client.next('message', 5_000);
    assert.deepEqual((got.message as { data: unknown }).data, expected, `message: ${what}`);

    // Transient data walks values (equality, old value, expiry): set, set again, replace, expire.
    const set = `{"type":"transient","transient":{"type":"set","key":"v","value":${value},"ttl":300000000}}`;
    a.client.sendRaw(set);
    const seen = await b.client.next('transient', 5_000);
    assert.deepEqual((seen.transient as { value: unknown }).value, expected, `transient: ${what}`);
    a.client.sendRaw(set); // equal value: refreshes the expiry only
    const expired = await b.client.next('transient', 5_000);
    assert.equal((expired.transient as { type: string }).type, 'remove', `expiry: ${what}`);
    assert.deepEqual((expired.transient as { oldvalue: unknown }).oldvalue, expected);
    await settle(env, a.client);
  }
  assert.equal(env.sig.server.metrics.clientHandlerErrorsTotal.get(), 0);
});

test('hostile values - backend API bodies past the limit get 400, the deepest accepted one is relayed', {
  timeout: 20_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.createRoom({ token: 'api' });
  const a = await joinedClient(env, 'api', null);
  await settle(env, a.client);
  for (const depth of [MAX_JSON_DEPTH - 1, 5_000, 100_000]) {
    const body = `{"type":"message","message":{"data":${nestedText(depth)}}}`;
    const reply = await postBackendApiText(env.sig.httpUrl, env.dev, 'api', body);
    assert.equal(reply.status, 400, `depth ${depth}`);
    assert.match(reply.text, /nested deeper than 256 levels/);
  }
  const deepest = deepestAt(3);
  assert.equal(
    (await env.backendApi('api', JSON.parse(`{"type":"message","message":{"data":${deepest}}}`)))
      .status,
    200,
  );
  const event = await a.client.next('event', 5_000);
  assert.deepEqual(
    ((event.event as { message: { data: unknown } }).message as { data: unknown }).data,
    JSON.parse(deepest),
  );
});

test('hostile values - the deepest accepted message crosses cluster servers', {
  timeout: 20_000,
}, async () => {
  await using c = await startInProcessCluster(2);
  c.dev.addUser('alice');
  c.dev.addUser('bob');
  c.dev.createRoom({ token: 'far', owner: 'alice' });
  const alice = await c.joined(0, 'far', 'alice');
  const bob = await c.joined(1, 'far', 'bob');
  await seesJoin(alice.client, bob.sessionId);
  const deepest = deepestAt(3);
  for (const recipient of [
    `{"type":"session","sessionid":"${bob.sessionId}"}`,
    '{"type":"user","userid":"bob"}',
    '{"type":"room"}',
  ]) {
    alice.client.sendRaw(
      `{"type":"message","message":{"recipient":${recipient},"data":${deepest}}}`,
    );
    const got = await bob.client.next('message', 5_000);
    assert.deepEqual((got.message as { data: unknown }).data, JSON.parse(deepest), recipient);
  }
  // Past the limit: the sender is told, instead of the message vanishing between servers.
  alice.client.sendRaw(
    `{"id":"x","type":"message","message":{"recipient":{"type":"session","sessionid":"${bob.sessionId}"},"data":${nestedText(30_000)}}}`,
  );
  await expectDepthError(alice.client, 'x', 'cross-server message');
});

test('hostile values - a handler that throws or rejects closes only its session, with internal_error', {
  timeout: 20_000,
}, async () => {
  const handler: SessionMessageHandler = {
    handle(session, message) {
      if (message.type !== 'message') {
        return undefined;
      }
      const data = message.message.data;
      if (data === 'throw') {
        throw new Error('a bug while handling');
      }
      if (data === 'reject') {
        return Promise.reject(new Error('a bug while handling, later'));
      }
      session.sendText(JSON.stringify({ type: 'message', message: { data: 'echo' } }));
      return undefined;
    },
    resumed() {},
    closed() {},
  };
  const sig = await startSignaling({
    backends: [{ url: 'http://127.0.0.1:1/', secret: 'x' }],
    setup: (server) => {
      server.hub.setMessageHandler(handler);
      return undefined;
    },
  });
  const clients: TestClient[] = [];
  try {
    const open = async () => {
      const client = await sig.connect();
      clients.push(client);
      return signIn(client, sig.internalHello('http://127.0.0.1:1/'));
    };
    const bystander = await open();
    const to = { type: 'session', sessionid: bystander.sessionId };
    for (const [n, data] of ['throw', 'reject'].entries()) {
      const victim = await open();
      const id = victim.client.send({ type: 'message', message: { recipient: to, data } });
      const reply = await victim.client.next('error', 5_000);
      assert.deepEqual(reply, {
        id,
        type: 'error',
        error: { code: 'internal_error', message: 'Internal error.' },
      });
      assert.equal(await victim.client.closed, 1011);
      // The session is gone for good: its resume id no longer works.
      const again = await sig.connect();
      clients.push(again);
      again.send({ type: 'hello', hello: { version: '2.0', resumeid: victim.resumeId } });
      assert.equal(((await again.next('error')).error as { code: string }).code, 'no_such_session');
      assert.equal(sig.server.metrics.clientHandlerErrorsTotal.get(), n + 1);
      // Everybody else goes on.
      bystander.client.send({ type: 'message', message: { recipient: to, data: 'ping' } });
      assert.deepEqual((await bystander.client.next('message')).message, { data: 'echo' });
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await sig.close();
  }
});

test('hostile values - a 5,000-deep transient value is refused and cannot end the process', {
  timeout: 20_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.createRoom({ token: 'open' });
  const rooms = env.sig.server;
  const a = await joinedClient(env, 'open', null);
  const b = await joinedClient(env, 'open', null);
  await seesJoin(a.client, b.sessionId);
  await grantPermissions(env, 'open', [a], ['transient-data']);
  await settle(env, a.client, b.client);
  // The finding: a 5,000-deep transient value ended node with a stack overflow.
  a.client.sendRaw(
    `{"id":"t","type":"transient","transient":{"type":"set","key":"k","value":${nestedText(5_000)}}}`,
  );
  await expectDepthError(a.client, 't', 'transient set');
  b.client.send({ type: 'message', message: { recipient: { type: 'room' }, data: 'alive' } });
  assert.equal(((await a.client.next('message')).message as { data: unknown }).data, 'alive');
  assert.equal(rooms.metrics.clientHandlerErrorsTotal.get(), 0);
});
