/**
 * Remote streams between two of our proxies (upstream's `remote-streams`), each in front of its own
 * Janus 1.1 in the test network namespace: a publisher (a 440 Hz tone from a WebRTC peer) on proxy
 * A, a subscriber on proxy B created with `remoteUrl` = A. B connects to A with its own token
 * (`[app] token_id`/`token_key`), has A's Janus forward the stream to a remote publisher in B's
 * Janus, and the subscriber hears the tone. Deleting the subscriber removes the forwarding on A
 * and the room on B; bad tokens, an unreachable remote and an unknown publisher get upstream's
 * errors.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  eventually,
  type Frame,
  freePort,
  insideTestNetns,
  type JanusFixture,
  runInTestNetns,
  startJanus,
  TestClient,
} from '@spreed-ts/testkit';
import { WebSocket } from 'ws';
import {
  AudioRecorder,
  dominantFrequency,
  type IceCandidate,
  type PeerConnection,
  rms,
  ToneSource,
  wrtc,
} from '../sfu/helpers/audio.js';
import { type OurProxy, startOurProxy } from './helpers/our-proxy.js';

const TONE_HZ = 440;
const AUTH_FAILED = { code: 'auth_failed', message: 'The token could not be authenticated.' };
const UNKNOWN_CLIENT = { code: 'unknown_client', message: 'Unknown client id given.' };
const NOT_SUPPORTED = {
  code: 'unsupported_subscriber',
  message: 'Remote subscribers are not supported.',
};

async function request(
  client: TestClient,
  message: Record<string, unknown>,
  timeoutMs = 5_000,
): Promise<Frame> {
  const id = client.send(message);
  return client.next((f) => f.id === id, timeoutMs);
}

function codeOf(frame: Frame): string | undefined {
  return (frame.error as { code?: string } | undefined)?.code;
}

/** One synchronous videoroom request on a fresh Janus session (to look at Janus's state). */
async function videoroom(url: string, body: Record<string, unknown>): Promise<Frame> {
  const ws = new WebSocket(url, 'janus-protocol');
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const pending = new Map<string, (f: Frame) => void>();
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame;
    if (frame.janus !== 'ack') {
      pending.get(String(frame.transaction))?.(frame);
    }
  });
  const send = (message: Record<string, unknown>) =>
    new Promise<Frame>((resolve, reject) => {
      const transaction = randomUUID();
      const timer = setTimeout(() => reject(new Error('janus did not answer')), 5_000);
      pending.set(transaction, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      ws.send(JSON.stringify({ ...message, transaction }));
    });
  try {
    const session = ((await send({ janus: 'create' })).data as { id: number }).id;
    const handle = (
      (await send({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' }))
        .data as { id: number }
    ).id;
    const reply = await send({ janus: 'message', session_id: session, handle_id: handle, body });
    await send({ janus: 'destroy', session_id: session });
    return (reply.plugindata as { data: Frame }).data;
  } finally {
    ws.close();
  }
}

/** Rooms of a Janus (their ids). */
async function rooms(url: string): Promise<number[]> {
  const list = (await videoroom(url, { request: 'list' })).list as { room: number }[];
  return list.map((r) => r.room);
}

/** Relays the proxy's candidates for `clientId` into `pc`, and ours to the proxy. */
function trickle(client: TestClient, pc: PeerConnection, clientId: string): void {
  pc.onicecandidate = (event: { candidate: IceCandidate | null }) => {
    if (event.candidate !== null) {
      const { candidate, sdpMid, sdpMLineIndex } = event.candidate;
      client.send({
        type: 'payload',
        payload: {
          type: 'candidate',
          clientId,
          payload: { candidate: { candidate, sdpMid, sdpMLineIndex } },
        },
      });
    }
  };
  let stopped = false;
  stopTrickles.push(() => {
    stopped = true;
  });
  // The proxy's own candidates (not the answers to ours, which have an id).
  const isCandidate = (f: Frame) =>
    f.type === 'payload' &&
    f.id === undefined &&
    (f.payload as { type?: string; clientId?: string } | undefined)?.type === 'candidate' &&
    (f.payload as { clientId?: string }).clientId === clientId;
  void (async () => {
    while (!stopped && !client.isClosed) {
      let frame: Frame;
      try {
        frame = await client.next(isCandidate, 500);
      } catch {
        continue;
      }
      const candidate = (frame.payload as { payload: { candidate: IceCandidate } }).payload
        .candidate;
      if (typeof candidate.candidate === 'string' && candidate.candidate !== '') {
        await pc.addIceCandidate(candidate).catch(() => undefined);
      }
    }
  })();
}

/** Stops the candidate relays of {@link trickle}. */
const stopTrickles: (() => void)[] = [];

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  let janusA: JanusFixture;
  let janusB: JanusFixture;
  let proxyA: OurProxy;
  let proxyB: OurProxy;
  const keyDir = mkdtempSync(join(tmpdir(), 'spreed-proxy-remote-'));
  const clients: TestClient[] = [];
  const cleanups: (() => void)[] = [];
  const connect = async (proxy: OurProxy) => {
    const client = await TestClient.connect(proxy.wsUrl, { timeoutMs: 5_000 });
    clients.push(client);
    const hello = await request(client, {
      type: 'hello',
      hello: { version: '1.0', token: proxy.token() },
    });
    assert.equal(hello.type, 'hello', JSON.stringify(hello));
    return { client, hello: hello.hello as { server: { features?: string[] } } };
  };

  /** A publisher of a tone on `proxy`, connected; its client id. */
  async function publishTone(client: TestClient): Promise<string> {
    const created = await request(client, {
      type: 'command',
      command: { type: 'create-publisher', streamType: 'video', mediatypes: 1 },
    });
    assert.equal(created.type, 'command', JSON.stringify(created));
    const publisherId = (created.command as { id: string }).id;
    const { RTCPeerConnection, MediaStream } = wrtc();
    const pc = new RTCPeerConnection({ iceServers: [] });
    const tone = new ToneSource(TONE_HZ);
    cleanups.push(() => {
      tone.stop();
      pc.close();
    });
    pc.addTrack(tone.track, new MediaStream([tone.track]));
    trickle(client, pc, publisherId);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const answered = await request(client, {
      type: 'payload',
      payload: { type: 'offer', clientId: publisherId, payload: { type: 'offer', sdp: offer.sdp } },
    });
    assert.equal(answered.type, 'payload', JSON.stringify(answered));
    const answer = (answered.payload as { payload: { type: string; sdp: string } }).payload;
    await pc.setRemoteDescription(answer);
    return publisherId;
  }

  /** Subscribes `pc` through `subscriberId` (offer from the proxy, our answer back). */
  async function receive(client: TestClient, subscriberId: string, sid: string) {
    const { RTCPeerConnection } = wrtc();
    const pc = new RTCPeerConnection({ iceServers: [] });
    let recorder: AudioRecorder | undefined;
    pc.ontrack = (event: { track: unknown }) => {
      recorder = new AudioRecorder(event.track);
    };
    cleanups.push(() => {
      recorder?.stop();
      pc.close();
    });
    trickle(client, pc, subscriberId);
    const offered = await request(client, {
      type: 'payload',
      payload: { type: 'requestoffer', clientId: subscriberId },
    });
    assert.equal(offered.type, 'payload', JSON.stringify(offered));
    await pc.setRemoteDescription(
      (offered.payload as { payload: { type: string; sdp: string } }).payload,
    );
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    const started = await request(client, {
      type: 'payload',
      payload: {
        type: 'answer',
        clientId: subscriberId,
        sid,
        payload: { type: 'answer', sdp: answer.sdp },
      },
    });
    assert.equal(started.type, 'payload', JSON.stringify(started));
    return { pc, recorder: () => recorder };
  }

  before(async () => {
    [janusA, janusB] = await Promise.all([
      startJanus({ rtpPorts: '20000-29999' }),
      startJanus({ rtpPorts: '30000-39999' }),
    ]);
    // Proxy B's own identity towards other proxies; proxy A knows its public key.
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPath = join(keyDir, 'proxy-b.pub.pem');
    const privatePath = join(keyDir, 'proxy-b.pem');
    writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(privatePath, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    [proxyA, proxyB] = await Promise.all([
      startOurProxy({
        janusUrl: janusA.url,
        extraConfig: `[tokens]\nproxy-b = ${publicPath}\n`,
      }),
      startOurProxy({
        janusUrl: janusB.url,
        // 127.0.0.2: the address Janus B receives on in the test network namespace.
        extraConfig: `[app]\ntoken_id = proxy-b\ntoken_key = ${privatePath}\nhostname = 127.0.0.2\n`,
      }),
    ]);
    for (const proxy of [proxyA, proxyB]) {
      await eventually(async () => {
        const res = await fetch(`${proxy.url}stats`);
        return ((await res.json()) as { mcu: { connected: boolean } }).mcu.connected;
      }, 'proxy connected to Janus');
    }
  });

  after(async () => {
    for (const stop of stopTrickles) {
      stop();
    }
    for (const cleanup of cleanups) {
      cleanup();
    }
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await proxyB?.[Symbol.asyncDispose]();
    await proxyA?.[Symbol.asyncDispose]();
    await Promise.all([janusA?.stop(), janusB?.stop()]);
    rmSync(keyDir, { recursive: true, force: true });
  });

  test('proxy remote - remote-streams is announced only with [app] token_id', async () => {
    const a = await connect(proxyA);
    const b = await connect(proxyB);
    assert.equal(a.hello.server.features, undefined);
    assert.deepEqual(b.hello.server.features, ['remote-streams']);
    const welcome = await fetch(proxyB.url);
    assert.equal(welcome.headers.get('x-spreed-signaling-features'), 'remote-streams');
    // Without it, a remote subscriber is refused as upstream does.
    const refused = await request(a.client, {
      type: 'command',
      command: {
        type: 'create-subscriber',
        streamType: 'video',
        publisherId: 'x',
        remoteUrl: proxyB.url,
        remoteToken: proxyA.token({ sub: 'x' }),
      },
    });
    assert.deepEqual(refused.error, NOT_SUPPORTED);
  });

  test('proxy remote - subscriber on B hears the publisher on A; delete cleans up both', async () => {
    const a = await connect(proxyA);
    const b = await connect(proxyB);
    const publisherId = await publishTone(a.client);

    // get-publisher-streams: the one Opus stream of the offer.
    const streams = await request(a.client, {
      type: 'command',
      command: { type: 'get-publisher-streams', clientId: publisherId },
    });
    assert.equal(streams.type, 'command', JSON.stringify(streams));
    const list = (streams.command as { id: string; streams: Frame[] }).streams;
    assert.equal((streams.command as { id: string }).id, publisherId);
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.equal(list[0]?.type, 'audio');
    assert.equal(list[0]?.codec, 'opus');
    assert.equal(list[0]?.mindex, 0);

    const roomsBBefore = await rooms(janusB.url);
    const subscribed = await request(b.client, {
      type: 'command',
      command: {
        type: 'create-subscriber',
        streamType: 'video',
        publisherId,
        remoteUrl: proxyA.url,
        remoteToken: proxyB.token({ sub: publisherId }),
      },
    });
    assert.equal(subscribed.type, 'command', JSON.stringify(subscribed));
    const { id: subscriberId, sid } = subscribed.command as { id: string; sid: string };
    assert.equal((await rooms(janusB.url)).length, roomsBBefore.length + 1);
    // A's Janus forwards the publisher's stream to B's Janus.
    const roomA = (await rooms(janusA.url))[0] as number;
    const remotes = await videoroom(janusA.url, {
      request: 'listremotes',
      room: roomA,
      publisher_id: 1,
    });
    assert.equal((remotes.list as unknown[]).length, 1, JSON.stringify(remotes));

    const { recorder } = await receive(b.client, subscriberId, sid);
    await eventually(
      async () => {
        const r = recorder();
        if (r === undefined) {
          return false;
        }
        const samples = r.lastSeconds(1);
        return (
          samples.length > 24_000 &&
          rms(samples) > 0.05 &&
          dominantFrequency(samples, r.sampleRate) === TONE_HZ
        );
      },
      'the tone on the remote subscriber',
      15_000,
    );

    const deleted = await request(b.client, {
      type: 'command',
      command: { type: 'delete-subscriber', clientId: subscriberId },
    });
    assert.deepEqual(deleted.command, { id: subscriberId });
    await eventually(
      async () => (await rooms(janusB.url)).length === roomsBBefore.length,
      'the remote publisher room on B destroyed',
    );
    await eventually(async () => {
      const left = await videoroom(janusA.url, {
        request: 'listremotes',
        room: roomA,
        publisher_id: 1,
      });
      return (left.list as unknown[]).length === 0;
    }, 'the forwarding on A removed');
    await request(a.client, {
      type: 'command',
      command: { type: 'delete-publisher', clientId: publisherId },
    });
  });

  test('proxy remote - errors: bad token, unknown publisher, unreachable proxy, bad input', async () => {
    const a = await connect(proxyA);
    const b = await connect(proxyB);
    const publisherId = await publishTone(a.client);
    const roomsB = await rooms(janusB.url);
    const remote = (fields: Record<string, unknown>) =>
      request(b.client, {
        type: 'command',
        command: {
          type: 'create-subscriber',
          streamType: 'video',
          publisherId,
          remoteUrl: proxyA.url,
          remoteToken: proxyB.token({ sub: publisherId }),
          ...fields,
        },
      });
    // A token for another publisher, a token B cannot verify, garbage.
    assert.deepEqual(
      (await remote({ remoteToken: proxyB.token({ sub: 'other' }) })).error,
      AUTH_FAILED,
    );
    assert.deepEqual(
      (await remote({ remoteToken: proxyA.token({ sub: publisherId }) })).error,
      AUTH_FAILED,
    );
    assert.deepEqual((await remote({ remoteToken: 'a.b.c' })).error, AUTH_FAILED);
    // A publisher A does not have: A's own answer comes back.
    const unknown = await remote({
      publisherId: 'nope',
      remoteToken: proxyB.token({ sub: 'nope' }),
    });
    assert.deepEqual(unknown.error, UNKNOWN_CLIENT);
    // Nobody listens there.
    const port = await freePort();
    const unreachable = await request(
      b.client,
      {
        type: 'command',
        command: {
          type: 'create-subscriber',
          streamType: 'video',
          publisherId,
          remoteUrl: `http://127.0.0.1:${port}/`,
          remoteToken: proxyB.token({ sub: publisherId }),
        },
      },
      10_000,
    );
    assert.equal(unreachable.type, 'error');
    assert.equal((unreachable.error as { code: string }).code, 'timeout');
    // Not a URL; no stream type.
    assert.equal(codeOf(await remote({ remoteUrl: 'not a url' })), 'invalid_format');
    assert.equal(codeOf(await remote({ streamType: 'data' })), 'invalid_format');
    // publish-remote / unpublish-remote / get-publisher-streams on an unknown client, bad targets.
    for (const type of ['publish-remote', 'unpublish-remote', 'get-publisher-streams']) {
      const answer = await request(a.client, {
        type: 'command',
        command: { type, clientId: 'nope', hostname: '127.0.0.2', port: 5000, rtcpPort: 5001 },
      });
      assert.deepEqual(answer.error, UNKNOWN_CLIENT, type);
    }
    for (const target of [
      { hostname: '', port: 5000 },
      { hostname: '127.0.0.2', port: 70000 },
      { hostname: 'bad host;', port: 5000 },
      { hostname: '127.0.0.2' },
    ]) {
      const answer = await request(a.client, {
        type: 'command',
        command: { type: 'publish-remote', clientId: publisherId, ...target },
      });
      assert.equal(codeOf(answer), 'invalid_format', JSON.stringify(target));
    }
    // Nothing was left behind on B: no rooms, no connections to other proxies.
    assert.deepEqual(await rooms(janusB.url), roomsB);
    // Both proxies still serve.
    assert.equal((await connect(proxyB)).hello.server.features?.[0], 'remote-streams');
  });
}
