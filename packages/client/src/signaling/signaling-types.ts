import type {
  EventBody,
  MessageSender,
  RoomResponse,
  ServerMessage,
  SignalingError,
  TransientBody,
} from '@spreed-ts/protocol';
import type { SignalingSettings } from '../http/talk-types.js';
import type { ClientLogger } from '../util/logger.js';
import type { BackoffOptions } from '../util/timers.js';
import type { WebSocketFactory } from './web-socket.js';

/** The signaling session after a successful hello. */
export interface SessionInfo {
  /** Public signaling session id: peers address us with it, and the roster is keyed by it. */
  sessionId: string;
  /** Private id to resume the session after a disconnect. */
  resumeId: string;
  /** User id, empty for guests. */
  userId: string;
  /** Hello version used for this session. */
  version: '1.0' | '2.0';
  /** Server features (from `welcome`, else from the hello response). */
  features: readonly string[];
  /** True when an existing session was resumed; false for a new session. */
  resumed: boolean;
}

/** Connection status, as yielded by `status()`. */
export type SignalingStatus =
  | { type: 'connecting' }
  | { type: 'connected'; session: SessionInfo }
  | { type: 'disconnected'; reason: string }
  | { type: 'reconnecting'; attempt: number; delayMs: number }
  | { type: 'closed'; error?: Error };

/** Events of a {@link SignalingConnection}. */
export type SignalingEvents = {
  /** A hello succeeded: a new session (`resumed` false, also after a failed resume) or a resume. */
  connected: [session: SessionInfo];
  /** The socket dropped; a reconnect follows unless the connection is closed. */
  disconnected: [reason: string];
  /** Waiting `delayMs` before reconnect attempt `attempt`. */
  reconnecting: [attempt: number, delayMs: number];
  /** A `message` from another session (`from` is its signaling session id). */
  message: [from: string, data: unknown, sender: MessageSender];
  /** A `control` message (moderator actions). */
  control: [from: string, data: unknown, sender: MessageSender];
  /** An `event` (room join/leave/message, participants update/flags, roomlist …). */
  event: [event: EventBody];
  /** A server-initiated `room` message (properties changed, or moved out with roomid ''). */
  room: [room: RoomResponse];
  /** A `transient` data update. */
  transient: [transient: TransientBody];
  /** The server refused a `message` we sent; `data` is what we sent. */
  messageError: [error: SignalingError, data: unknown];
  /** An error frame that answers nothing we track. */
  serverError: [error: SignalingError];
  /** The server said bye (`reason` e.g. `room_session_reconnected`). */
  bye: [reason: string];
  /** Every parsed frame, before it is handled (diagnostics). */
  frame: [frame: ServerMessage];
  /** The connection is closed for good; `error` says why when it was not `close()`. */
  closed: [error: Error | undefined];
};

/** Options of a {@link SignalingConnection}. */
export interface SignalingConnectionOptions {
  /** Nextcloud base URL with trailing slash; hello `auth.url` is derived from it. */
  backendUrl: string;
  /** Fetches fresh signaling settings; called before every new hello (the JWT expires). */
  fetchSettings: () => Promise<SignalingSettings>;
  /** Settings already fetched for the first hello. */
  initialSettings?: SignalingSettings;
  /** WebSocket implementation; default `ws` in Node, the global one elsewhere. */
  webSocket?: WebSocketFactory;
  /** Client features sent in hello when the server offers them; default `['chat-relay']`. */
  features?: readonly string[];
  /** Timeouts in ms. */
  timeouts?: Partial<SignalingTimeouts>;
  /** Reconnect backoff; default 1 s doubling to 16 s, ±50 % jitter. */
  backoff?: BackoffOptions;
  logger?: ClientLogger;
}

/** Timeouts of the signaling connection, in ms. */
export interface SignalingTimeouts {
  /** Opening the socket; default 10 000. */
  open: number;
  /** Waiting for `welcome` before sending hello anyway; default 3000 (Talk web client). */
  welcome: number;
  /** Waiting for the answer of a request (hello, room, bye); default 10 000. */
  request: number;
}
