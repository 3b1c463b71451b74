import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type ClientMessage,
  ErrorCodes,
  isObject,
  MAX_PEER_JSON_DEPTH,
  parseJsonBounded,
  type RoomRequest,
  ServerFeatures,
} from '@spreed-ts/protocol';
import { requireCjs } from '../cjs.js';
import type { ClientSession } from '../hub/client-session.js';
import type { Logger } from '../logger.js';
import { FederationConnectError } from './errors.js';
import {
  cloudOf,
  type RewriteIds,
  rewriteIncoming,
  rewriteOutgoing,
  urlWithoutPath,
} from './rewrite.js';

// Required, not imported: see ../cjs.ts.
type WebSocket = import('ws').WebSocket;
const { WebSocket } = requireCjs('ws') as typeof import('ws');

/** First and longest pause before reconnecting to the remote server. */
const INITIAL_RECONNECT_MS = 100;
const MAX_RECONNECT_MS = 8_000;
/** Largest frame accepted from the remote server. */
const MAX_FRAME_BYTES = 64 * 1024;

/** `[federation]` settings. */
export interface FederationSettings {
  skipVerify: boolean;
  timeoutMs: number;
}

type Json = Record<string, unknown>;

const CERT_ERROR = /CERT|SIGNATURE|ALTNAME|SELF_SIGNED/;

function connectError(err: Error & { code?: string }): FederationConnectError {
  const detailCode =
    typeof err.code === 'string' && CERT_ERROR.test(err.code)
      ? 'certificate_verification_error'
      : 'network_error';
  return new FederationConnectError(
    ErrorCodes.federationError,
    'Failed to create federation client.',
    { code: detailCode, message: err.message },
  );
}

/** The `ws(s)://…/spreed` address of a signaling base URL. */
export function federationSocketUrl(signaling: string): string {
  const base = signaling.endsWith('/') ? signaling : `${signaling}/`;
  return `${base.replace(/^http/, 'ws')}spreed`;
}

/**
 * The proxied connection of one local session to a room on another signaling server (upstream's
 * FederationClient): says hello as a `federation` client with the Talk token, joins the remote
 * room and relays frames both ways with ids rewritten; reconnects and resumes when the connection
 * drops.
 */
export class FederationClient {
  readonly #session: ClientSession;
  readonly #settings: FederationSettings;
  readonly #logger: Logger;
  readonly #url: string;
  readonly #onClosed: (client: FederationClient) => void;
  #request: RoomRequest & { federation: NonNullable<RoomRequest['federation']> };
  /** Id of the local `room` request until the remote room answer carried it back. */
  #requestId: string | undefined;
  #socket: WebSocket | undefined;
  #helloId = '';
  #remoteSessionId = '';
  #resumeId = '';
  #joined = false;
  #connected = false;
  #reconnecting = false;
  #reconnectMs = INITIAL_RECONNECT_MS;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #pending: string[] = [];
  #closeOnLeave = false;
  #closed = false;

  private constructor(
    session: ClientSession,
    id: string | undefined,
    request: RoomRequest & { federation: NonNullable<RoomRequest['federation']> },
    settings: FederationSettings,
    logger: Logger,
    onClosed: (client: FederationClient) => void,
  ) {
    this.#session = session;
    this.#request = request;
    this.#requestId = id;
    this.#settings = settings;
    this.#logger = logger;
    this.#url = federationSocketUrl(request.federation.signaling);
    this.#onClosed = onClosed;
  }

  /** Connects (throws {@link FederationConnectError}), then says hello and joins in the background. */
  static async open(
    session: ClientSession,
    id: string | undefined,
    request: RoomRequest & { federation: NonNullable<RoomRequest['federation']> },
    settings: FederationSettings,
    logger: Logger,
    onClosed: (client: FederationClient) => void,
  ): Promise<FederationClient> {
    const client = new FederationClient(session, id, request, settings, logger, onClosed);
    await client.#connect();
    return client;
  }

  /** Whether a join with `federation` can reuse this connection (same servers). */
  canReuse(federation: NonNullable<RoomRequest['federation']>): boolean {
    const own = this.#request.federation;
    return own.url === federation.url && own.signaling === federation.signaling;
  }

  /** Joins another room of the same remote server. */
  changeRoom(
    id: string | undefined,
    request: RoomRequest & { federation: NonNullable<RoomRequest['federation']> },
  ): void {
    this.#request = request;
    this.#requestId = id;
    this.#joinRoom();
  }

  /**
   * Leaves the remote room; the connection closes when the remote confirms. While disconnected
   * the leave is answered here and the connection given up.
   */
  leave(id: string | undefined): void {
    const frame: Json = { type: 'room', room: { roomid: '' } };
    if (id !== undefined) {
      frame.id = id;
    }
    if (!this.#connected || this.#socket?.readyState !== WebSocket.OPEN) {
      this.close();
      this.#session.sendText(JSON.stringify(frame));
      return;
    }
    this.#closeOnLeave = true;
    this.#socket.send(JSON.stringify(frame));
  }

  /** Passes a client frame (message, control, transient, internal) to the remote session. */
  proxy(message: ClientMessage): void {
    const frame = JSON.parse(JSON.stringify(message)) as Json;
    rewriteOutgoing(frame, this.#ids());
    this.#sendRaw(JSON.stringify(frame), true);
  }

  /** Says bye to the remote server and closes for good. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#onClosed(this);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket?.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: 'bye', bye: {} }));
      socket.close(1000);
    } else {
      socket?.terminate();
    }
  }

  #ids(): RewriteIds {
    const remoteRoomId = this.#request.federation.roomid ?? this.#request.roomid;
    return {
      localSessionId: this.#session.publicId,
      remoteSessionId: this.#remoteSessionId,
      roomId: this.#request.roomid,
      remoteRoomId,
      localCloud: `@${cloudOf(this.#session.backendUrl)}`,
      remoteCloud: `@${cloudOf(this.#request.federation.url)}`,
      localUrl: urlWithoutPath(this.#session.backendUrl),
      remoteUrl: urlWithoutPath(this.#request.federation.url),
    };
  }

  #connect(): Promise<void> {
    this.#logger.debug('connecting federation', {
      session: this.#session.publicId,
      url: this.#url,
    });
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.#url, {
        handshakeTimeout: this.#settings.timeoutMs,
        maxPayload: MAX_FRAME_BYTES,
        rejectUnauthorized: !this.#settings.skipVerify,
      });
      let settled = false;
      socket.once('upgrade', (response: IncomingMessage) => {
        const header = String(response.headers['x-spreed-signaling-features'] ?? '');
        const features = header.split(',').map((f) => f.trim());
        if (!features.includes(ServerFeatures.federation)) {
          settled = true;
          socket.terminate();
          reject(
            new FederationConnectError(
              ErrorCodes.federationUnsupported,
              'The target server does not support federation.',
            ),
          );
        }
      });
      socket.once('open', () => {
        if (settled) {
          return;
        }
        settled = true;
        if (this.#closed) {
          socket.terminate();
          resolve();
          return;
        }
        this.#socket = socket;
        this.#connected = false;
        resolve();
      });
      socket.on('error', (err) => {
        if (!settled) {
          settled = true;
          reject(connectError(err));
        }
      });
      socket.on('message', (data, isBinary) => {
        if (!isBinary && this.#socket === socket) {
          this.#onFrame(String(data));
        }
      });
      socket.on('close', () => {
        if (this.#socket === socket) {
          this.#socket = undefined;
          this.#interrupted();
        }
      });
    });
  }

  #onFrame(text: string): void {
    let frame: unknown;
    try {
      frame = parseJsonBounded(text, MAX_PEER_JSON_DEPTH);
    } catch (err) {
      this.#logger.warn('invalid frame from the federated server dropped', {
        url: this.#url,
        error: (err as Error).message,
      });
      return;
    }
    if (!isObject(frame)) {
      return;
    }
    if (!this.#connected) {
      if (frame.type === 'welcome') {
        this.#welcome(frame);
      } else {
        this.#helloAnswer(frame);
      }
      return;
    }
    this.#relay(frame);
  }

  #welcome(frame: Json): void {
    const welcome = frame.welcome;
    const features = isObject(welcome) && Array.isArray(welcome.features) ? welcome.features : [];
    if (!features.includes(ServerFeatures.federation)) {
      this.#fail(
        ErrorCodes.federationUnsupported,
        'The target server does not support federation.',
      );
      return;
    }
    this.#sendHello();
  }

  #sendHello(): void {
    this.#helloId = randomBytes(6).toString('hex');
    const hello: Json = { version: '2.0', features: [...this.#session.featureList] };
    if (this.#resumeId !== '') {
      hello.resumeid = this.#resumeId;
    } else {
      hello.auth = {
        type: 'federation',
        url: this.#request.federation.url,
        params: { token: this.#request.federation.token },
      };
    }
    this.#socket?.send(JSON.stringify({ id: this.#helloId, type: 'hello', hello }));
  }

  #helloAnswer(frame: Json): void {
    if (frame.id !== this.#helloId) {
      this.#sendHello();
      return;
    }
    this.#helloId = '';
    if (frame.type === 'error') {
      const error = isObject(frame.error) ? frame.error : {};
      if (error.code === ErrorCodes.noSuchSession) {
        this.#resumeId = '';
        this.#pending = [];
        this.#sendHello();
        return;
      }
      this.#fail(
        typeof error.code === 'string' ? error.code : ErrorCodes.federationError,
        typeof error.message === 'string' ? error.message : 'Federation hello failed.',
        error.details,
      );
      return;
    }
    const hello = frame.hello;
    if (frame.type !== 'hello' || !isObject(hello)) {
      this.#sendHello();
      return;
    }
    this.#connected = true;
    this.#reconnectMs = INITIAL_RECONNECT_MS;
    this.#remoteSessionId = typeof hello.sessionid === 'string' ? hello.sessionid : '';
    if (this.#resumeId === '') {
      this.#resumeId = typeof hello.resumeid === 'string' ? hello.resumeid : '';
      if (this.#reconnecting) {
        this.#event({ type: 'federation_resumed', resumed: false });
      }
      this.#reconnecting = false;
      this.#joinRoom();
      return;
    }
    this.#reconnecting = false;
    this.#event({ type: 'federation_resumed', resumed: true });
    const pending = this.#pending;
    this.#pending = [];
    for (const text of pending) {
      this.#socket?.send(text);
    }
  }

  #joinRoom(): void {
    const request = this.#request;
    const room: Json = { roomid: request.federation.roomid ?? request.roomid };
    if (request.sessionid !== undefined) {
      room.sessionid = request.sessionid;
    }
    this.#joined = false;
    const frame: Json = { type: 'room', room };
    if (this.#requestId !== undefined) {
      frame.id = this.#requestId;
    }
    this.#sendRaw(JSON.stringify(frame), false);
  }

  #relay(frame: Json): void {
    let close = false;
    const ids = this.#ids();
    if (frame.type === 'room') {
      if (this.#requestId !== undefined && frame.id === this.#requestId) {
        this.#requestId = undefined;
      }
      const room = frame.room;
      if (isObject(room) && room.roomid === '' && this.#closeOnLeave) {
        close = true;
      } else {
        this.#joined = true;
      }
    } else if (frame.type === 'event' && this.#closeOnLeave && isObject(frame.event)) {
      const leave = frame.event.leave;
      close = Array.isArray(leave) && leave.includes(ids.remoteSessionId);
    } else if (
      frame.type === 'error' &&
      !this.#joined &&
      this.#requestId !== undefined &&
      frame.id === this.#requestId
    ) {
      // The remote refused the join: nothing more to proxy.
      close = true;
    }
    rewriteIncoming(frame, ids);
    this.#session.sendText(JSON.stringify(frame));
    if (close) {
      this.close();
    }
  }

  #sendRaw(text: string, defer: boolean): void {
    const socket = this.#socket;
    if (socket?.readyState === WebSocket.OPEN && (this.#connected || !defer)) {
      socket.send(text);
    } else if (defer && this.#resumeId !== '') {
      this.#pending.push(text);
    }
  }

  #event(body: Json): void {
    this.#session.sendText(JSON.stringify({ type: 'event', event: { target: 'room', ...body } }));
  }

  #fail(code: string, message: string, details?: unknown): void {
    const id = this.#requestId;
    this.close();
    const error: Json = { code, message };
    if (details !== undefined) {
      error.details = details;
    }
    this.#session.sendText(
      JSON.stringify(id === undefined ? { type: 'error', error } : { id, type: 'error', error }),
    );
  }

  #interrupted(): void {
    if (this.#closed) {
      return;
    }
    this.#reconnecting = true;
    if (this.#connected) {
      this.#connected = false;
      this.#event({ type: 'federation_interrupted' });
    }
    this.#logger.info('federation connection interrupted', {
      session: this.#session.publicId,
      url: this.#url,
    });
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    clearTimeout(this.#reconnectTimer);
    const delay = this.#reconnectMs;
    this.#reconnectMs = Math.min(this.#reconnectMs * 2, MAX_RECONNECT_MS);
    this.#reconnectTimer = setTimeout(() => {
      if (this.#closed) {
        return;
      }
      this.#connect().catch((err: Error) => {
        this.#logger.debug('federation reconnect failed', {
          session: this.#session.publicId,
          error: err.message,
        });
        if (!this.#closed) {
          this.#scheduleReconnect();
        }
      });
    }, delay);
  }
}
