import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { silentLogger } from '../../logger.js';
import { IpList } from '../../transport/real-ip.js';
import { SfuTimeoutError } from '../errors.js';
import { checkMcuData, decodeMcuData, type McuData } from '../mcu-data.js';
import type { PublisherSettings } from '../sfu.js';
import { FakeJanus, fakeSdp } from './fake-janus.js';
import { JanusSfu } from './janus-sfu.js';

const SETTINGS: PublisherSettings = {
  bitrate: 0,
  mediaTypes: 1,
  audiocodec: '',
  videocodec: '',
  vp9profile: '',
  h264profile: '',
};

function data(raw: Record<string, unknown>): McuData {
  const decoded = decodeMcuData(raw);
  assert.ok(decoded);
  checkMcuData(decoded);
  return decoded;
}

async function setup(options: { timeoutMs?: number; blocked?: string[] } = {}) {
  const fake = await FakeJanus.start();
  const sfu = new JanusSfu({
    url: fake.url,
    timeoutMs: options.timeoutMs ?? 1_000,
    limits: { maxStreamBitrate: 1_000_000, maxScreenBitrate: 2_000_000 },
    filter: {
      allowed: undefined,
      blocked: options.blocked ? new IpList(options.blocked) : undefined,
    },
    logger: silentLogger,
    gateway: { timings: { keepaliveMs: 5_000, reconnectInitialMs: 20, reconnectMaxMs: 40 } },
  });
  const connected = once(sfu, 'connected');
  sfu.start();
  await connected;
  return {
    fake,
    sfu,
    async [Symbol.asyncDispose]() {
      await sfu.close();
      await fake.close();
    },
  };
}

test('janus sfu - a publisher gets its own room (one publisher, capped bitrate, codecs)', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  await env.sfu.newPublisher('alice', 'sid-1', 'video', {
    ...SETTINGS,
    bitrate: 5_000_000,
    audiocodec: 'opus',
    videocodec: 'vp9,vp8',
    vp9profile: '2',
    h264profile: '42e01f',
  });
  const create = (await env.fake.waitFor('create', 2)).body;
  assert.deepEqual(create, {
    request: 'create',
    description: 'alice|video',
    publishers: 1,
    videoorient_ext: false,
    bitrate: 1_000_000,
    audiocodec: 'opus',
    videocodec: 'vp9,vp8',
    vp9_profile: '2',
    h264_profile: '42e01f',
  });
  const join = (await env.fake.waitFor('join')).body as Record<string, unknown>;
  assert.equal(join.ptype, 'publisher');
  assert.equal(join.id, 1);
  await env.sfu.newPublisher('alice', 'sid-2', 'screen', { ...SETTINGS, bitrate: 300_000 });
  const screen = (await env.fake.waitFor('create', 3)).body as Record<string, unknown>;
  assert.equal(screen.bitrate, 300_000);
  assert.equal(((await env.fake.waitFor('join', 2)).body as Record<string, unknown>).id, 2);
  assert.deepEqual(env.sfu.counts, { publishers: 2, subscribers: 0 });
});

test('janus sfu - an offer is configured with filtered candidates and answered', {
  timeout: 10_000,
}, async () => {
  await using env = await setup({ blocked: ['10.0.0.0/8'] });
  const publisher = await env.sfu.newPublisher('alice', 'sid-1', 'video', SETTINGS);
  const sdp = `${fakeSdp('offer')}a=candidate:1 1 udp 2122260223 10.1.2.3 5000 typ host\r\na=candidate:2 1 udp 2122260223 127.0.0.1 5001 typ host\r\n`;
  const answer = await publisher.handle(
    data({ type: 'offer', roomType: 'video', sid: 'sid-1', payload: { type: 'offer', sdp } }),
  );
  assert.equal(answer?.type, 'answer');
  const configure = await env.fake.waitFor('configure');
  assert.deepEqual(configure.body, { request: 'configure', audio: true, video: true, data: true });
  const sent = (configure.jsep as { sdp: string }).sdp;
  assert.ok(!sent.includes('10.1.2.3'), 'blocked candidate removed');
  assert.ok(sent.includes('127.0.0.1 5001'), 'other candidate kept');
  await publisher.handle(
    data({
      type: 'candidate',
      roomType: 'video',
      payload: {
        candidate: { candidate: 'candidate:3 1 udp 1 127.0.0.1 5002 typ host', sdpMid: '0' },
      },
    }),
  );
  const trickle = await env.fake.waitFor('trickle');
  assert.deepEqual(trickle.candidate, {
    candidate: 'candidate:3 1 udp 1 127.0.0.1 5002 typ host',
    sdpMid: '0',
  });
  await assert.rejects(
    publisher.handle(data({ type: 'answer', roomType: 'video', payload: { type: 'answer', sdp } })),
    /unsupported message type: answer/,
  );
});

test('janus sfu - requests of one client run in order (offer before its candidates)', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const publisher = await env.sfu.newPublisher('alice', 's', 'video', SETTINGS);
  const order: string[] = [];
  env.fake.respond = (r) => {
    order.push(String((r.body as { request?: string } | undefined)?.request ?? r.janus));
    return undefined;
  };
  const candidate = data({
    type: 'candidate',
    payload: { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 1 typ host' } },
  });
  await Promise.all([
    publisher.handle(data({ type: 'offer', payload: { type: 'offer', sdp: fakeSdp('o') } })),
    publisher.handle(candidate),
    publisher.handle(candidate),
  ]);
  assert.deepEqual(order, ['configure', 'trickle', 'trickle']);
});

test('janus sfu - a subscriber waits for a publisher that appears within the timeout', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const pending = env.sfu.newSubscriber('alice', 'video', 1_000);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await env.sfu.newPublisher('alice', 's', 'video', SETTINGS);
  const subscriber = await pending;
  assert.equal(subscriber.publisherId, 'alice');
  const offer = await subscriber.handle(data({ type: 'requestoffer', roomType: 'video' }));
  assert.equal(offer?.type, 'offer');
  const join = (await env.fake.waitFor('join', 2)).body as Record<string, unknown>;
  assert.equal(join.ptype, 'subscriber');
  assert.deepEqual(join.streams, [{ feed: 1 }]);
  await subscriber.handle(
    data({
      type: 'answer',
      sid: subscriber.sid,
      payload: { type: 'answer', sdp: fakeSdp('answer') },
    }),
  );
  const start = await env.fake.waitFor('start');
  assert.equal((start.body as { room: number }).room, env.fake.rooms[0]);
});

test('janus sfu - no publisher within the wait: the subscriber is not created', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  await assert.rejects(env.sfu.newSubscriber('nobody', 'video', 100), SfuTimeoutError);
  assert.equal(env.sfu.counts.subscribers, 0);
});

test('janus sfu - joining before the publisher sends waits for its webrtcup, then retries', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  env.fake.publishersSendAtOnce = false;
  await env.sfu.newPublisher('alice', 's', 'video', SETTINGS);
  const subscriber = await env.sfu.newSubscriber('alice', 'video', 1_000);
  const offer = subscriber.handle(data({ type: 'requestoffer', roomType: 'video' }));
  await env.fake.waitFor('join', 2);
  await new Promise((resolve) => setTimeout(resolve, 30));
  env.fake.publisherUp(env.fake.rooms[0] as number);
  assert.equal((await offer)?.type, 'offer');
  assert.equal(env.fake.sent('join').length, 3, 'publisher join, failed join, retried join');
});

test('janus sfu - requestoffer with the same sid renegotiates, another sid re-joins on a new handle', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  await env.sfu.newPublisher('alice', 's', 'video', SETTINGS);
  const subscriber = await env.sfu.newSubscriber('alice', 'video', 1_000);
  await subscriber.handle(data({ type: 'requestoffer', roomType: 'video' }));
  const sid = subscriber.sid;
  const updated = await subscriber.handle(
    data({
      type: 'requestoffer',
      roomType: 'video',
      sid,
      payload: { substream: 1.7, audio: false },
    }),
  );
  assert.equal(updated?.type, 'offer');
  const configure = await env.fake.waitFor('configure');
  assert.deepEqual(configure.body, {
    request: 'configure',
    update: true,
    substream: 1,
    audio: false,
  });
  // A requestoffer without sid joins again; Janus says "already joined", so a new handle is used.
  const again = await subscriber.handle(data({ type: 'requestoffer', roomType: 'video' }));
  assert.equal(again?.type, 'offer');
  assert.notEqual(subscriber.sid, sid);
  await assert.rejects(
    subscriber.handle(
      data({ type: 'answer', sid, payload: { type: 'answer', sdp: fakeSdp('answer') } }),
    ),
    /does not match subscriber sid/,
  );
});

test('janus sfu - selectStream configures the subscriber; bad values fail', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  await env.sfu.newPublisher('alice', 's', 'video', SETTINGS);
  const subscriber = await env.sfu.newSubscriber('alice', 'video', 1_000);
  await subscriber.handle(data({ type: 'requestoffer', roomType: 'video' }));
  await subscriber.handle(data({ type: 'selectStream', payload: { temporal: 2, video: false } }));
  const configure = await env.fake.waitFor('configure');
  assert.deepEqual(configure.body, { request: 'configure', temporal: 2, video: false });
  assert.equal(await subscriber.handle(data({ type: 'selectStream', payload: {} })), undefined);
  await assert.rejects(
    subscriber.handle(data({ type: 'selectStream', payload: { audio: 'yes' } })),
    /unsupported audio value/,
  );
});

test('janus sfu - closing a publisher destroys its room; its subscribers close too', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const publisher = await env.sfu.newPublisher('alice', 's', 'video', SETTINGS);
  const subscriber = await env.sfu.newSubscriber('alice', 'video', 1_000);
  await subscriber.handle(data({ type: 'requestoffer', roomType: 'video' }));
  const subscriberClosed = once(subscriber, 'closed');
  await publisher.close();
  await subscriberClosed;
  assert.equal(env.fake.sent('destroy').length, 1);
  assert.deepEqual(env.sfu.counts, { publishers: 0, subscribers: 0 });
});

test('janus sfu - candidates and renegotiation offers from Janus are emitted', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  await env.sfu.newPublisher('alice', 's', 'video', SETTINGS);
  const subscriber = await env.sfu.newSubscriber('alice', 'video', 1_000);
  await subscriber.handle(data({ type: 'requestoffer', roomType: 'video' }));
  const handle = env.fake.handles('subscriber')[0] as number;
  const candidate = once(subscriber, 'candidate');
  env.fake.event(handle, {
    janus: 'trickle',
    candidate: {
      sdpMid: '0',
      sdpMLineIndex: 0,
      candidate: 'candidate:1 1 udp 1 127.0.0.2 2 typ host',
    },
  });
  assert.deepEqual((await candidate)[0], {
    sdpMid: '0',
    sdpMLineIndex: 0,
    candidate: 'candidate:1 1 udp 1 127.0.0.2 2 typ host',
  });
  const update = once(subscriber, 'updateOffer');
  env.fake.event(handle, {
    janus: 'event',
    plugindata: {
      plugin: 'janus.plugin.videoroom',
      data: { videoroom: 'event', configured: 'ok' },
    },
    jsep: { type: 'offer', sdp: fakeSdp('update') },
  });
  assert.equal(((await update)[0] as { type: string }).type, 'offer');
  const closed = once(subscriber, 'closed');
  env.fake.event(handle, { janus: 'hangup', reason: 'ICE failed' });
  await closed;
});

test('janus sfu - losing Janus closes publishers and subscribers; they come back on demand', {
  timeout: 10_000,
}, async () => {
  await using env = await setup();
  const publisher = await env.sfu.newPublisher('alice', 's', 'video', SETTINGS);
  const subscriber = await env.sfu.newSubscriber('alice', 'video', 1_000);
  const gone = Promise.all([
    once(publisher, 'closed'),
    once(subscriber, 'closed'),
    once(env.sfu, 'disconnected'),
  ]);
  env.fake.restart();
  await gone;
  assert.equal(env.sfu.connected, false);
  assert.deepEqual(env.sfu.counts, { publishers: 0, subscribers: 0 });
  await once(env.sfu, 'connected');
  const again = await env.sfu.newPublisher('alice', 's', 'video', SETTINGS);
  assert.equal(again.closed, false);
});
