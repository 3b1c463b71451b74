import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { createInbox, NatsClient } from '@spreed-ts/server';
import { startNats } from '@spreed-ts/testkit';

/** Long payloads as their length, to keep failure messages readable. */
const show = (data: Buffer) => (data.length > 1000 ? `<${data.length}>` : data.toString());

const waitFor = async (check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test('nats client - publish, subscribe, reply, no echo, flush, unsubscribe', {
  timeout: 20_000,
}, async () => {
  await using nats = await startNats();
  const a = await NatsClient.connect({ servers: [nats.url], name: 'a', noEcho: true });
  const b = await NatsClient.connect({ servers: [nats.url.replace('nats://', '')], name: 'b' });
  try {
    assert.equal(a.connectedUrl, nats.url);
    assert.equal(b.connectedUrl, nats.url);
    assert.match(a.info?.server_id ?? '', /^[A-Z0-9]{20,}$/);
    assert.match(a.info?.version ?? '', /^2\./);
    const gotA: string[] = [];
    const gotB: string[] = [];
    const subA = a.subscribe('t.>', (data, reply, subject) =>
      gotA.push(`${subject} ${reply ?? '-'} ${show(data)}`),
    );
    b.subscribe('t.*', (data, _reply, subject) => gotB.push(`${subject} ${show(data)}`));
    b.subscribe('svc', (data, reply) => {
      if (reply !== undefined) {
        b.publish(reply, Buffer.from(`re:${data.toString()}`));
      }
    });
    await Promise.all([a.flush(), b.flush()]);

    assert.equal(a.publish('t.own', Buffer.from('from a')), true);
    b.publish('t.x', Buffer.from('from b'));
    b.publish('t.y', Buffer.from(''), 'reply.here');
    const big = Buffer.alloc(200_000, 'z');
    b.publish('t.big', big);
    await b.flush();
    await a.flush();
    // a never hears itself (no echo); b, with echo, hears both.
    assert.deepEqual(gotA.slice(0, 3), ['t.x - from b', 't.y reply.here ', 't.big - <200000>']);
    assert.equal(gotA.length, 3);
    await waitFor(() => gotB.length === 4);
    assert.deepEqual(gotB.sort(), ['t.big <200000>', 't.own from a', 't.x from b', 't.y ']);

    // A request: reply to an inbox.
    const inbox = createInbox();
    const replies: string[] = [];
    a.subscribe(inbox, (data) => replies.push(data.toString()));
    a.publish('svc', Buffer.from('ping?'), inbox);
    await waitFor(() => replies.length === 1);
    assert.deepEqual(replies, ['re:ping?']);

    subA.unsubscribe();
    subA.unsubscribe();
    await a.flush();
    b.publish('t.after', Buffer.from('nobody'));
    await b.flush();
    await a.flush();
    assert.equal(gotA.length, 3);

    assert.throws(() => a.publish('bad subject', Buffer.from('x')), TypeError);
    assert.throws(() => a.publish('ok', Buffer.from('x'), 'bad\r\nPUB'), TypeError);
    assert.throws(() => a.subscribe('', () => undefined), TypeError);
  } finally {
    await a.close();
    await b.close();
  }
  assert.equal(a.isClosed(), true);
  assert.equal(a.publish('t.x', Buffer.from('late')), false);
  await assert.rejects(a.flush());
});

test('nats client - close() sends what is buffered first', { timeout: 20_000 }, async () => {
  await using nats = await startNats();
  const listener = await NatsClient.connect({ servers: [nats.url] });
  const got: string[] = [];
  listener.subscribe('bye', (data) => got.push(data.toString()));
  await listener.flush();
  const leaving = await NatsClient.connect({ servers: [nats.url] });
  leaving.publish('bye', Buffer.from('goodbye'));
  await leaving.close();
  await waitFor(() => got.length === 1);
  assert.deepEqual(got, ['goodbye']);
  await listener.close();
});

test('nats client - reconnects after a server restart: subscriptions back, buffered publications delivered', {
  timeout: 30_000,
}, async () => {
  await using nats = await startNats();
  const options = { servers: [nats.url], reconnectWaitMs: 100, reconnectJitterMs: 20 };
  const a = await NatsClient.connect(options);
  const b = await NatsClient.connect(options);
  const errors: Error[] = [];
  a.on('error', (err) => errors.push(err));
  try {
    const gotA: string[] = [];
    const gotB: string[] = [];
    a.subscribe('r', (data) => gotA.push(data.toString()));
    b.subscribe('r', (data) => gotB.push(data.toString()));
    await Promise.all([a.flush(), b.flush()]);

    const lost = once(a, 'disconnect');
    await nats.stop();
    assert.deepEqual(await lost, [nats.url]);
    assert.equal(a.connected, false);
    await assert.rejects(a.flush(), /not connected/);
    // Kept while disconnected; a hears them itself (echo) once its subscription is back.
    for (let i = 0; i < 3; i++) {
      assert.equal(a.publish('r', Buffer.from(`while down ${i}`)), true);
    }
    const back = once(a, 'reconnect');
    await nats.restart();
    assert.deepEqual(await back, [nats.url]);
    await waitFor(() => gotA.length === 3);
    assert.deepEqual(gotA, ['while down 0', 'while down 1', 'while down 2']);

    // b's subscription is back too.
    await waitFor(() => b.connected);
    await b.flush();
    a.publish('r', Buffer.from('after'));
    await waitFor(() => gotB.includes('after'));
    assert.deepEqual(errors, [], 'failed attempts are reconnectFailed events, not errors');
  } finally {
    await a.close();
    await b.close();
  }
});

test('nats client - the reconnect buffer is bounded', { timeout: 20_000 }, async () => {
  await using nats = await startNats();
  const client = await NatsClient.connect({
    servers: [nats.url],
    reconnectWaitMs: 100,
    reconnectBufferBytes: 1000,
  });
  client.on('error', () => undefined);
  try {
    const lost = once(client, 'disconnect');
    await nats.stop();
    await lost;
    const accepted = Array.from({ length: 10 }, () =>
      client.publish('x', Buffer.alloc(200, 'a')),
    ).filter(Boolean).length;
    // Each PUB is 200 bytes of payload plus `PUB x 200\r\n` and CRLF (213 bytes).
    assert.equal(accepted, 4);
  } finally {
    await client.close();
  }
});

test('nats client - the first connection fails when no server answers', {
  timeout: 20_000,
}, async () => {
  const nats = await startNats();
  const url = nats.url;
  await nats[Symbol.asyncDispose]();
  await assert.rejects(NatsClient.connect({ servers: [url, url] }), /ECONNREFUSED/);
});
