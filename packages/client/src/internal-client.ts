import { ClientFeatures, InCallFlags } from '@spreed-ts/protocol';
import type { SignalingSettings } from './http/talk-types.js';
import { CallMedia } from './media/call-media.js';
import type { CallRecorder, RecordedTrack, RecorderOptions } from './media/call-recorder.js';
import { receiveCallSignal } from './media/call-signals.js';
import type { MediaStack } from './media/media-stack.js';
import type { StreamSelection } from './media/sfu-calls.js';
import { platform } from './platform.js';
import { mediaChange, type Participant, participantName, Roster } from './signaling/roster.js';
import { SignalingConnection } from './signaling/signaling-connection.js';
import type { SessionInfo } from './signaling/signaling-types.js';
import type { WebSocketFactory } from './signaling/web-socket.js';
import type { TalkClientEvents, TalkStatus } from './talk-client-types.js';
import { ClientError, describeError } from './util/client-error.js';
import { EventEmitter } from './util/event-emitter.js';
import { type ClientLogger, silentLogger } from './util/logger.js';
import { safeEmit } from './util/safe-emit.js';
import type { BackoffOptions } from './util/timers.js';

/** Options of {@link InternalClient.join}. */
export interface InternalClientOptions {
  /** The signaling server's base URL (`https://signaling.example.com`; `/spreed` is added). */
  signalingUrl: string;
  /** The server's `[clients] internalsecret`. */
  secret: string;
  /** The Nextcloud base URL as the server's backend configuration lists it. */
  backendUrl: string;
  /** The conversation token (the signaling room id). */
  token: string;
  /** Decode the participants' cameras and screens (`videoFrame`); default false. */
  receiveVideo?: boolean;
  /** Our name in offers (`nick`); default `Recorder`. */
  name?: string;
  /** The WebRTC stack; default `@roamhq/wrtc` in Node. */
  media?: MediaStack | (() => Promise<MediaStack>);
  webSocket?: WebSocketFactory;
  backoff?: BackoffOptions;
  /** requestoffer retry period in ms; default 10 000. */
  mediaRetryMs?: number;
  /** Signaling request timeout (hello, room join) in ms; default 10 000. */
  requestTimeoutMs?: number;
  logger?: ClientLogger;
  /** Receives every status from the start (`connected`, `inRoom` happen inside `join()`). */
  onStatus?: (status: TalkStatus) => void;
}

/** Events of an {@link InternalClient} (the same shapes as a {@link TalkClient}'s). */
export type InternalClientEvents = Pick<
  TalkClientEvents,
  | 'status'
  | 'participantJoined'
  | 'participantLeft'
  | 'peerConnected'
  | 'receiving'
  | 'audioFrame'
  | 'videoFrame'
  | 'warning'
  | 'closed'
>;

/** Length of the `random` an internal hello carries (the server wants at least 32 bytes). */
const RANDOM_BYTES = 32;

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The internal hello's auth params: a fresh random and its HMAC-SHA256 with the secret. */
export async function internalAuthParams(
  secret: string,
  backend: string,
): Promise<{ random: string; token: string; backend: string }> {
  const random = hex(crypto.getRandomValues(new Uint8Array(RANDOM_BYTES)));
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const token = hex(await crypto.subtle.sign('HMAC', key, encoder.encode(random)));
  return { random, token, backend };
}

/**
 * A server-side participant like Talk's recording server: it authenticates with the signaling
 * server's internal secret (hello `auth.type: "internal"`), joins the conversation's signaling
 * room without any Talk participant or Talk session, says it is in the call without media
 * (`internal` `incall` = 1, with the `internal-incall` feature), learns the call's participants
 * from the room's `participants` updates and subscribes to each publisher through the SFU. It
 * sends nothing and is never shown in Talk's participant list.
 *
 * Needs an SFU (`mcu` feature): without one, only Talk clients offer to each other and nobody
 * calls an internal session.
 */
export class InternalClient extends EventEmitter<InternalClientEvents> {
  readonly token: string;
  readonly roster = new Roster();
  readonly conn: SignalingConnection;
  readonly #options: InternalClientOptions;
  readonly #logger: ClientLogger;
  #stack: MediaStack | undefined;
  #media: CallMedia | undefined;
  #recorder: CallRecorder | undefined;
  #state: 'open' | 'closed' = 'open';

  /** Connects, joins the room and starts receiving the call. */
  static async join(options: InternalClientOptions): Promise<InternalClient> {
    if (options.secret === '') {
      throw new ClientError('invalid_state', 'an internal client needs the internal secret');
    }
    const backend = options.backendUrl.endsWith('/')
      ? options.backendUrl
      : `${options.backendUrl}/`;
    const settings = async (): Promise<SignalingSettings> => ({
      signalingMode: 'external',
      userId: null,
      server: options.signalingUrl,
      ticket: '',
      helloAuthParams: { internal: await internalAuthParams(options.secret, backend) },
      stunServers: [],
      turnServers: [],
      raw: {},
    });
    const conn = new SignalingConnection({
      backendUrl: backend,
      fetchSettings: settings,
      features: [ClientFeatures.internalInCall],
      ...(options.webSocket === undefined ? {} : { webSocket: options.webSocket }),
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      timeouts: { request: options.requestTimeoutMs ?? 10_000 },
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    const client = new InternalClient(conn, options);
    try {
      await client.#start();
    } catch (error) {
      await client.leave();
      throw error;
    }
    return client;
  }

  private constructor(conn: SignalingConnection, options: InternalClientOptions) {
    super();
    this.conn = conn;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.token = options.token;
    if (options.onStatus !== undefined) {
      this.on('status', options.onStatus);
    }
  }

  /** Our signaling session id. */
  get sessionId(): string | undefined {
    return this.conn.session?.sessionId;
  }

  /** Everybody else in the room (Talk participants, other internal clients). */
  get participants(): Participant[] {
    return this.roster.others();
  }

  /** The running call media (SFU subscriptions), once in the room. */
  get media(): CallMedia | undefined {
    return this.#media;
  }

  /** Starts writing every participant's audio (and with `video` their video) into `dir`. */
  record(dir: string, options: RecorderOptions = {}): CallRecorder {
    if (this.#recorder !== undefined) {
      throw ClientError.invalidState(`already recording to ${this.#recorder.dir}`);
    }
    this.#recorder = platform().createRecorder(dir, (message) => this.#warn(message), options);
    return this.#recorder;
  }

  /** Finishes the files; resolves with what was recorded. */
  async stopRecording(): Promise<RecordedTrack[]> {
    const recorder = this.#recorder;
    this.#recorder = undefined;
    return recorder === undefined ? [] : recorder.close();
  }

  /** Asks the SFU for another simulcast layer of a participant's camera. */
  selectStream(sessionId: string, selection: StreamSelection): boolean {
    return this.#media?.selectStream(sessionId, selection) ?? false;
  }

  /** Stops media, leaves the room and closes the session; idempotent, never rejects. */
  async leave(): Promise<void> {
    if (this.#state === 'closed') {
      return;
    }
    this.#state = 'closed';
    await this.stopRecording().catch(() => undefined);
    this.#media?.close();
    this.#media = undefined;
    await this.conn.leaveRoom().catch(() => undefined);
    await this.conn.close().catch(() => undefined);
    await this.#stack?.release?.().catch(() => undefined);
    this.#status({ type: 'closed' });
    safeEmit(this, this.#listenerError, 'closed', undefined);
  }

  async #start(): Promise<void> {
    const media = this.#options.media;
    this.#stack =
      media === undefined
        ? await platform().loadMediaStack()
        : typeof media === 'function'
          ? await media()
          : media;
    const conn = this.conn;
    conn.on('event', (event) => {
      const diff = this.roster.apply(event);
      if (diff === undefined) {
        return;
      }
      for (const p of diff.joined) {
        if (p.sessionId !== this.roster.ownSessionId && p.internal !== true) {
          this.#status({ type: 'participantJoined', participant: p });
          safeEmit(this, this.#listenerError, 'participantJoined', p);
        }
      }
      for (const p of diff.left) {
        this.#status({ type: 'participantLeft', participant: p });
        safeEmit(this, this.#listenerError, 'participantLeft', p);
      }
      for (const change of diff.callChanged) {
        const media = mediaChange(change, this.roster.ownSessionId);
        if (media !== undefined) {
          this.#status({ type: 'participantMedia', participant: change.participant, ...media });
        }
      }
      this.#media?.sync(this.roster);
    });
    conn.on('message', (from, data) => {
      const signal = receiveCallSignal(this.roster, from, data);
      if (signal !== undefined) {
        this.#media?.handleSignal(from, signal);
      }
    });
    conn.on('messageError', (error, data) => this.#media?.handleMessageError(error, data));
    conn.on('disconnected', (reason) => this.#status({ type: 'disconnected', reason }));
    conn.on('reconnecting', (attempt, delayMs) =>
      this.#status({ type: 'reconnecting', attempt, delayMs }),
    );
    conn.on('connected', (session) => {
      if (this.#media === undefined) {
        return; // The first hello: #start goes on below.
      }
      this.#status({ type: 'reconnected', resumed: session.resumed });
      if (!session.resumed) {
        this.#enter(session).catch((error: unknown) => {
          this.#warn(`could not rejoin the room: ${describeError(error)}`);
          conn.dropConnection();
        });
      }
    });
    conn.on('closed', (error) => {
      if (this.#state === 'open' && error !== undefined) {
        this.#warn(`signaling closed: ${describeError(error)}`);
        void this.leave();
      }
    });
    const session = await conn.connect();
    this.#status({
      type: 'connected',
      sessionId: session.sessionId,
      hello: session.version,
      features: session.features,
    });
    await this.#enter(session);
  }

  /** (Re)joins the room as a new session and starts the call media. */
  async #enter(session: SessionInfo): Promise<void> {
    this.#media?.close();
    this.roster.reset(session.sessionId);
    const conn = this.conn;
    if (!conn.hasFeature('mcu')) {
      this.#warn('the signaling server has no SFU: nobody sends media to an internal client');
    }
    const media = new CallMedia({
      stack: this.#stack as MediaStack,
      mode: 'sfu',
      ownSessionId: session.sessionId,
      iceServers: [],
      nick: this.#options.name ?? 'Recorder',
      output: undefined,
      receiveVideo: this.#options.receiveVideo ?? false,
      retryMs: this.#options.mediaRetryMs ?? 10_000,
      send: (to, data) => {
        conn.sendMessage(to, data);
      },
      logger: this.#logger,
    });
    media.on('peerConnected', (id, role) => {
      const participant = this.#participant(id);
      this.#status({ type: 'peerConnected', participant, role });
      safeEmit(this, this.#listenerError, 'peerConnected', participant, role);
    });
    media.on('remoteAudio', (id) => {
      const participant = this.#participant(id);
      this.#status({ type: 'receiving', participant });
      safeEmit(this, this.#listenerError, 'receiving', participant);
    });
    media.on('remoteVideo', (id, roomType) =>
      this.#status({ type: 'receivingVideo', participant: this.#participant(id), roomType }),
    );
    media.on('audioFrame', (id, samples) => {
      const participant = this.#participant(id);
      this.#recorder?.write(id, participantName(participant), samples);
      safeEmit(this, this.#listenerError, 'audioFrame', participant, samples);
    });
    media.on('videoFrame', (id, roomType, frame) => {
      const participant = this.#participant(id);
      this.#recorder?.writeVideo(id, participantName(participant), roomType, frame);
      safeEmit(this, this.#listenerError, 'videoFrame', participant, frame, roomType);
    });
    media.on('warning', (message) => this.#warn(message));
    this.#media = media;
    await conn.joinRoom(this.token, undefined);
    this.#status({ type: 'inRoom', room: this.token });
    // In the call, sending nothing: the server lists us with these flags (and lets our
    // requestoffers through as an internal client).
    conn.setInternalInCall(InCallFlags.inCall);
    this.#status({ type: 'inCall', mode: 'sfu' });
    media.sync(this.roster);
  }

  #participant(sessionId: string): Participant {
    return this.roster.get(sessionId) ?? { sessionId, inCall: 0 };
  }

  #warn(message: string): void {
    this.#logger.warn(message);
    this.#status({ type: 'warning', message });
    safeEmit(this, this.#listenerError, 'warning', message);
  }

  #status(status: TalkStatus): void {
    safeEmit(this, this.#listenerError, 'status', status);
  }

  readonly #listenerError = (error: unknown): void => {
    this.#logger.warn(`an InternalClient listener threw: ${describeError(error)}`);
  };
}
