import type { Frame, TestClient } from '@spreed-ts/testkit';
import {
  AudioRecorder,
  type IceCandidate,
  type PeerConnection,
  ToneSource,
  wrtc,
} from './audio.js';

/** The `data` of an SFU `message` frame. */
export interface McuMessage {
  to: string;
  from: string;
  type: string;
  roomType: string;
  payload: Record<string, unknown>;
  sid?: string;
}

/** The data of a `message` frame, if it is one. */
export function mcuData(frame: Frame): McuMessage | undefined {
  if (frame.type !== 'message') {
    return undefined;
  }
  return (frame.message as { data?: McuMessage }).data;
}

interface Connection {
  pc: PeerConnection;
  sid: string;
  remoteSet: boolean;
  queued: IceCandidate[];
}

/** Media received through a subscriber connection. */
export interface Subscription {
  pc: PeerConnection;
  sid: string;
  recorder: Promise<AudioRecorder>;
}

/**
 * A headless Talk participant in SFU mode: publishes a tone to its own session, subscribes with
 * `requestoffer`, answers offers pushed with `sendoffer`, and trickles candidates both ways the way
 * the Talk web client does (a subscriber's candidates go to the publisher's session id).
 */
export class SfuPeer {
  #client: TestClient;
  readonly sessionId: string;
  readonly talkSessionId: string;
  /** The resume id of the session (set by environments that resume sessions). */
  resumeId = '';
  /** The `hello` response's server features. */
  helloFeatures: string[] = [];
  /** The `room` response of the join. */
  roomResponse: Frame | undefined;
  readonly #connections = new Map<string, Connection>();
  readonly #pending = new Map<string, IceCandidate[]>();
  readonly #tones: ToneSource[] = [];
  readonly #recorders: AudioRecorder[] = [];
  #closed = false;

  constructor(client: TestClient, sessionId: string, talkSessionId: string) {
    this.#client = client;
    this.sessionId = sessionId;
    this.talkSessionId = talkSessionId;
    void this.#pumpCandidates(client);
  }

  /** The signaling connection of the session (replaced by {@link useConnection}). */
  get client(): TestClient {
    return this.#client;
  }

  /**
   * Goes on with the same session over `client` (a resumed connection, possibly to another
   * server): signaling goes there from now on; the peer connections stay as they are.
   */
  useConnection(client: TestClient): void {
    this.#client = client;
    void this.#pumpCandidates(client);
  }

  async #pumpCandidates(client: TestClient): Promise<void> {
    while (!this.#closed && this.#client === client) {
      let frame: Frame;
      try {
        frame = await client.next((f) => mcuData(f)?.type === 'candidate', 3_600_000);
      } catch {
        return;
      }
      const data = mcuData(frame) as McuMessage;
      const key = `${data.from}|${data.roomType}`;
      const candidate = data.payload.candidate as IceCandidate;
      const connection = this.#connections.get(key);
      if (connection === undefined) {
        const list = this.#pending.get(key) ?? [];
        list.push(candidate);
        this.#pending.set(key, list);
      } else if (!connection.remoteSet) {
        connection.queued.push(candidate);
      } else {
        await connection.pc.addIceCandidate(candidate).catch(() => undefined);
      }
    }
  }

  #connection(key: string, pc: PeerConnection, sid: string): Connection {
    const connection: Connection = {
      pc,
      sid,
      remoteSet: false,
      queued: this.#pending.get(key) ?? [],
    };
    this.#pending.delete(key);
    this.#connections.set(key, connection);
    return connection;
  }

  async #remoteSet(connection: Connection): Promise<void> {
    connection.remoteSet = true;
    for (const candidate of connection.queued.splice(0)) {
      await connection.pc.addIceCandidate(candidate).catch(() => undefined);
    }
  }

  #trickle(pc: PeerConnection, to: string, roomType: string, sid: () => string): void {
    pc.onicecandidate = (event) => {
      if (event.candidate === null || event.candidate.candidate === '') {
        return;
      }
      this.sendTo(to, {
        type: 'candidate',
        roomType,
        sid: sid(),
        payload: {
          candidate: {
            candidate: event.candidate.candidate,
            sdpMid: event.candidate.sdpMid,
            sdpMLineIndex: event.candidate.sdpMLineIndex,
          },
        },
      });
    };
  }

  /** Sends a `message` to a session; returns the request id. */
  sendTo(sessionId: string, data: Record<string, unknown>): string | undefined {
    return this.client.send({
      type: 'message',
      message: { recipient: { type: 'session', sessionid: sessionId }, data },
    });
  }

  /**
   * Publishes a tone of `frequency` Hz: offer to the own session, answer from it, ICE up. Resolves
   * with the connection once it is connected.
   */
  async publish(
    options: {
      roomType?: string;
      frequency?: number;
      sid?: string;
      /** More fields of the offer message (`bitrate`, `audiocodec`, …). */
      extra?: Record<string, unknown>;
    } = {},
  ): Promise<PeerConnection> {
    const roomType = options.roomType ?? 'video';
    const sid = options.sid ?? `${Date.now()}`;
    const { RTCPeerConnection, MediaStream } = wrtc();
    const pc = new RTCPeerConnection({ iceServers: [] });
    const tone = new ToneSource(options.frequency ?? 440);
    this.#tones.push(tone);
    pc.addTrack(tone.track, new MediaStream([tone.track]));
    const key = `${this.sessionId}|${roomType}`;
    this.#connections.get(key)?.pc.close();
    const connection = this.#connection(key, pc, sid);
    this.#trickle(pc, this.sessionId, roomType, () => sid);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.sendTo(this.sessionId, {
      type: 'offer',
      roomType,
      sid,
      payload: { type: 'offer', sdp: offer.sdp },
      ...options.extra,
    });
    const answer = await this.client.next((f) => {
      const d = mcuData(f);
      return d?.type === 'answer' && d.from === this.sessionId && d.roomType === roomType;
    }, 15_000);
    const data = mcuData(answer) as McuMessage;
    await pc.setRemoteDescription(data.payload as unknown as { type: string; sdp: string });
    await this.#remoteSet(connection);
    await connected(pc, 15_000);
    return pc;
  }

  /** Sends an offer to the own session without waiting (for error cases). */
  async offerOnly(roomType = 'video'): Promise<string | undefined> {
    const { RTCPeerConnection } = wrtc();
    const pc = new RTCPeerConnection({ iceServers: [] });
    pc.addTransceiver('audio', { direction: 'sendonly' });
    const offer = await pc.createOffer();
    pc.close();
    return this.sendTo(this.sessionId, {
      type: 'offer',
      roomType,
      sid: `${Date.now()}`,
      payload: { type: 'offer', sdp: offer.sdp },
    });
  }

  /** Subscribes to `publisherId`'s stream with `requestoffer`. */
  async subscribe(publisherId: string, roomType = 'video'): Promise<Subscription> {
    this.sendTo(publisherId, { type: 'requestoffer', roomType });
    return this.acceptOffer(publisherId, roomType);
  }

  /** Waits for an offer from `publisherId` (requested, pushed or renegotiated) and answers it. */
  async acceptOffer(publisherId: string, roomType = 'video'): Promise<Subscription> {
    const frame = await this.client.next((f) => {
      const d = mcuData(f);
      return d?.type === 'offer' && d.from === publisherId && d.roomType === roomType;
    }, 15_000);
    const data = mcuData(frame) as McuMessage;
    const sid = data.sid ?? '';
    const { RTCPeerConnection } = wrtc();
    const pc = new RTCPeerConnection({ iceServers: [] });
    const recorder = new Promise<AudioRecorder>((resolve) => {
      pc.ontrack = (event) => {
        if (event.track.kind === 'audio') {
          const r = new AudioRecorder(event.track);
          this.#recorders.push(r);
          resolve(r);
        }
      };
    });
    const key = `${publisherId}|${roomType}`;
    this.#connections.get(key)?.pc.close();
    const connection = this.#connection(key, pc, sid);
    this.#trickle(pc, publisherId, roomType, () => sid);
    await pc.setRemoteDescription(data.payload as unknown as { type: string; sdp: string });
    await this.#remoteSet(connection);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.sendTo(publisherId, {
      type: 'answer',
      roomType,
      sid,
      payload: { type: 'answer', sdp: answer.sdp },
    });
    await connected(pc, 15_000);
    return { pc, sid, recorder };
  }

  /** The error frame answering request `id`. */
  error(id: string | undefined, timeoutMs = 15_000): Promise<Frame> {
    return this.client.next((f) => f.type === 'error' && f.id === id, timeoutMs);
  }

  close(): void {
    this.#closed = true;
    for (const tone of this.#tones) {
      tone.stop();
    }
    for (const recorder of this.#recorders) {
      recorder.stop();
    }
    for (const connection of this.#connections.values()) {
      connection.pc.close();
    }
  }
}

/** Resolves once `pc` is connected; rejects when it fails or after `timeoutMs`. */
export function connected(pc: PeerConnection, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`peer connection not connected (${pc.connectionState})`)),
      timeoutMs,
    );
    const check = () => {
      if (pc.connectionState === 'connected') {
        clearTimeout(timer);
        resolve();
      } else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
        clearTimeout(timer);
        reject(new Error(`peer connection ${pc.connectionState}`));
      }
    };
    pc.onconnectionstatechange = check;
    check();
  });
}

/** Inbound audio RTP counters of a connection. */
export async function inboundAudio(
  pc: PeerConnection,
): Promise<{ packets: number; bytes: number }> {
  const stats = await pc.getStats();
  let packets = 0;
  let bytes = 0;
  for (const report of stats.values()) {
    if (report.type === 'inbound-rtp' && report.kind === 'audio') {
      packets += Number(report.packetsReceived ?? 0);
      bytes += Number(report.bytesReceived ?? 0);
    }
  }
  return { packets, bytes };
}
