import type { JsonObject, Recipient } from './client-messages.js';
import type { WireError } from './errors.js';

/** `welcome`, sent unprompted on connect. */
export interface WelcomeBody {
  /** Server version string. */
  version: string;
  /** Sorted server feature ids. */
  features: string[];
}

/** Response to a successful `hello`. */
export interface HelloResponse {
  /** The hello version of the request. */
  version: string;
  /** Public session id: other clients address this session with it. */
  sessionid: string;
  /** Private id to resume the session after a disconnect. */
  resumeid: string;
  /** User id, empty for anonymous sessions. */
  userid: string;
  /** Deprecated copy of the welcome data. */
  server?: WelcomeBody;
}

/** Bandwidth limits sent with a room response, in bits per second. */
export interface RoomBandwidth {
  maxstreambitrate: number;
  maxscreenbitrate: number;
}

/** `room` response or server-initiated room change. */
export interface RoomResponse {
  /** The room the session is in now; empty when it is in none. */
  roomid: string;
  /** Room properties from Talk, opaque. */
  properties?: unknown;
  /** Publishing limits for the room. */
  bandwidth?: RoomBandwidth;
}

/** Sender of a relayed message. */
export interface MessageSender {
  /** How the message was addressed: session, user, room or call. */
  type: string;
  /** Public session id of the sender. */
  sessionid?: string;
  /** User id of the sender; omitted for anonymous senders. */
  userid?: string;
}

/** A relayed `message` or `control`. */
export interface RelayedMessage {
  sender: MessageSender;
  /** Set when the message was sent to a virtual session owned by the receiver. */
  recipient?: Recipient;
  data: unknown;
}

/** One session in a room `join`/`change` event. */
export interface EventSessionEntry {
  sessionid: string;
  userid: string;
  user?: unknown;
  roomsessionid?: string;
  features?: string[];
  federated?: boolean;
}

/** Room-scoped event payloads (roomlist invite/update/disinvite, participants update). */
export interface RoomEventBody {
  roomid: string;
  properties?: unknown;
  incall?: unknown;
  changed?: JsonObject[];
  users?: JsonObject[];
  all?: boolean;
  reason?: string;
}

/** Server `event`. */
export interface EventBody {
  target: 'room' | 'roomlist' | 'participants';
  type: string;
  join?: EventSessionEntry[];
  leave?: string[];
  change?: EventSessionEntry[];
  switchto?: { roomid: string; details?: unknown };
  resumed?: boolean;
  invite?: RoomEventBody;
  disinvite?: RoomEventBody;
  update?: RoomEventBody;
  flags?: { roomid: string; sessionid: string; flags: number };
  message?: { roomid: string; data?: unknown };
}

/** Transient data update pushed to room members. */
export interface TransientBody {
  type: 'set' | 'remove' | 'initial';
  key?: string;
  value?: unknown;
  oldvalue?: unknown;
  data?: Record<string, unknown>;
}

/** A dial-out request pushed to a SIP bridge. */
export interface InternalServerBody {
  type: 'dialout';
  dialout: { roomid: string; backend: string; request: { number: string; options?: unknown } };
}

/** One message from the server. */
export type ServerMessage =
  | { id?: string; type: 'welcome'; welcome: WelcomeBody }
  | { id?: string; type: 'hello'; hello: HelloResponse }
  | { id?: string; type: 'bye'; bye: { reason?: string } }
  | { id?: string; type: 'error'; error: WireError }
  | { id?: string; type: 'room'; room: RoomResponse }
  | { id?: string; type: 'message'; message: RelayedMessage }
  | { id?: string; type: 'control'; control: RelayedMessage }
  | { id?: string; type: 'event'; event: EventBody }
  | { id?: string; type: 'transient'; transient: TransientBody }
  | { id?: string; type: 'internal'; internal: InternalServerBody }
  | { id?: string; type: 'dialout'; dialout: JsonObject };
