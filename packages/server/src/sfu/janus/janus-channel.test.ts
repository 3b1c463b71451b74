import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { silentLogger } from '../../logger.js';
import { JanusError, SfuClosedError, SfuTimeoutError } from '../errors.js';
import { FakeJanus } from './fake-janus.js';
import { JanusChannel } from './janus-channel.js';

async function setup(timeoutMs = 2_000) {
  const fake = await FakeJanus.start();
  const channel = await JanusChannel.open(fake.url, { timeoutMs, logger: silentLogger });
  return {
    fake,
    channel,
    async [Symbol.asyncDispose]() {
      channel.close();
      await fake.close();
    },
  };
}

test('janus channel - replies are matched to their requests by transaction', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const [info, created] = await Promise.all([
    env.channel.request({ janus: 'info' }),
    env.channel.request({ janus: 'create' }),
  ]);
  assert.equal(info.janus, 'server_info');
  assert.equal(created.janus, 'success');
  const transactions = env.fake.requests.map((r) => r.transaction);
  assert.equal(new Set(transactions).size, 2, 'every request has its own transaction');
  assert.equal(env.channel.pendingCount, 0);
});

test('janus channel - an ack ends keepalive and trickle, but not an asynchronous message', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const session = await env.channel.request({ janus: 'create' });
  const sessionId = session.janus === 'success' ? session.data?.id : undefined;
  const ack = await env.channel.request({ janus: 'keepalive', session_id: sessionId });
  assert.equal(ack.janus, 'ack');
  const attached = await env.channel.request({
    janus: 'attach',
    session_id: sessionId,
    plugin: 'janus.plugin.videoroom',
  });
  const handleId = attached.janus === 'success' ? attached.data?.id : undefined;
  const created = await env.channel.request({
    janus: 'message',
    session_id: sessionId,
    handle_id: handleId,
    body: { request: 'create' },
  });
  assert.equal(created.janus, 'success');
  const room = created.janus === 'success' ? created.plugindata?.data.room : undefined;
  const joined = await env.channel.request({
    janus: 'message',
    session_id: sessionId,
    handle_id: handleId,
    body: { request: 'join', ptype: 'publisher', room, id: 1 },
  });
  // The fake sends `ack` first, then the `event`: the request resolves with the event.
  assert.equal(joined.janus, 'event');
});

test('janus channel - an error reply rejects with a JanusError carrying code and reason', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  await assert.rejects(env.channel.request({ janus: 'keepalive', session_id: 42 }), (err) => {
    assert.ok(err instanceof JanusError);
    assert.equal(err.code, 458);
    assert.equal(err.reason, 'No such session');
    return true;
  });
});

test('janus channel - a dropped transaction times out; the channel stays usable', {
  timeout: 10_000,
}, async () => {
  await using env = await setup(200);
  env.fake.respond = (r) => (r.janus === 'info' ? 'drop' : undefined);
  const started = Date.now();
  await assert.rejects(env.channel.request({ janus: 'info' }), SfuTimeoutError);
  assert.ok(Date.now() - started >= 190);
  assert.equal(env.channel.pendingCount, 0);
  env.fake.respond = undefined;
  assert.equal((await env.channel.request({ janus: 'info' })).janus, 'server_info');
});

test('janus channel - malformed frames are dropped; events without transaction are emitted', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const events: unknown[] = [];
  env.channel.on('event', (frame) => events.push(frame));
  env.fake.broadcast('not json');
  env.fake.broadcast('[1,2]');
  env.fake.broadcast(JSON.stringify({ janus: 'whatever' }));
  env.fake.broadcast(JSON.stringify({ janus: 'event', sender: 'x' }));
  env.fake.broadcast(JSON.stringify({ janus: 'success', transaction: 'never-sent' }));
  env.fake.broadcast(JSON.stringify({ janus: 'hangup', session_id: 1, sender: 2, reason: 'bye' }));
  const [frame] = await once(env.channel, 'event');
  assert.deepEqual(frame, { janus: 'hangup', session_id: 1, sender: 2, reason: 'bye' });
  assert.equal(events.length, 1);
  assert.equal((await env.channel.request({ janus: 'info' })).janus, 'server_info');
});

test('janus channel - losing the connection rejects pending requests and emits closed', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  env.fake.respond = () => 'drop';
  const pending = env.channel.request({ janus: 'info' });
  const closed = once(env.channel, 'closed');
  await env.fake.waitFor('info');
  env.fake.restart();
  await assert.rejects(pending, SfuClosedError);
  await closed;
  assert.equal(env.channel.closed, true);
  await assert.rejects(env.channel.request({ janus: 'info' }), SfuClosedError);
});

test('janus channel - open fails when nothing listens', { timeout: 10_000 }, async () => {
  const fake = await FakeJanus.start();
  const url = fake.url;
  await fake.close();
  await assert.rejects(JanusChannel.open(url, { timeoutMs: 1_000, logger: silentLogger }));
});
