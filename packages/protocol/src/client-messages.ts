/**
 * Messages a client sends to the server over the WebSocket, with the wire's field names.
 * `parseClientMessage` (in `parse-client-message.ts`) produces these from a decoded frame.
 */

/** Opaque JSON object, passed through unchanged. */
export type JsonObject = Record<string, unknown>;

/** Client types of `hello.auth.type`. */
export type ClientType = 'client' | 'internal' | 'federation';

/** Authentication part of a fresh `hello`. */
export interface HelloAuth {
  /** Client type; `client` when the frame leaves it out. */
  type: ClientType;
  /** Backend URL for `client` and `federation`, canonicalised, ending in `/`, without the OCS path. */
  url?: string;
  /** Parameters passed to the backend (v1), or carrying the token (v2) or HMAC (internal). */
  params: JsonObject;
}

/** A `hello` that opens a new session. */
export interface HelloNew {
  /** `1.0` (ticket checked by the backend) or `2.0` (JWT). */
  version: '1.0' | '2.0';
  /** Client feature ids. */
  features: string[];
  /** Authentication. */
  auth: HelloAuth;
  resumeid?: undefined;
}

/** A `hello` that resumes a disconnected session. */
export interface HelloResume {
  /** Protocol version; any accepted version may resume any session. */
  version: '1.0' | '2.0';
  /** Client feature ids (ignored on resume). */
  features: string[];
  /** The private id from the original hello response. */
  resumeid: string;
  auth?: undefined;
}

/** Body of a `hello` request. */
export type HelloRequest = HelloNew | HelloResume;

/** Target of a `federation` room join. */
export interface RoomFederation {
  /** Remote signaling server URL (ends in `/`). */
  signaling: string;
  /** Remote Nextcloud URL. */
  url: string;
  /** Remote room id; defaults to the local one. */
  roomid?: string;
  /** Hello v2 token for the remote server. */
  token: string;
}

/** Body of a `room` request: join (non-empty `roomid`) or leave (empty). */
export interface RoomRequest {
  /** Room to join; empty to leave the current room. */
  roomid: string;
  /** The Talk (Nextcloud) session id of this participant. */
  sessionid?: string;
  /** Join a room of another signaling server. */
  federation?: RoomFederation;
}

/** Who a `message` or `control` goes to. */
export type Recipient =
  | { type: 'session'; sessionid: string }
  | { type: 'user'; userid: string }
  | { type: 'room' }
  | { type: 'call' };

/** Body of a `message` or `control` request. */
export interface MessageRequest {
  /** The addressee. */
  recipient: Recipient;
  /** Arbitrary JSON passed to the recipients (SDP, candidates, app data…). */
  data: unknown;
  /**
   * `data` as the JSON text it arrived in, when the frame was decoded from text: relaying it as is
   * spares serialising it again. Not part of the wire format.
   */
  dataJson?: string;
}

/** Body of a `transient` request. */
export type TransientRequest =
  | { type: 'set'; key: string; value: unknown; ttl?: number }
  | { type: 'remove'; key: string };

/** Options of a virtual session. */
export interface AddSessionOptions {
  actorId?: string;
  actorType?: string;
}

/** `internal` → `addsession`. */
export interface AddSessionRequest {
  sessionid: string;
  roomid: string;
  userid?: string;
  user?: unknown;
  flags?: number;
  incall?: number;
  options?: AddSessionOptions;
}

/** `internal` → `updatesession`. */
export interface UpdateSessionRequest {
  sessionid: string;
  roomid: string;
  flags?: number;
  incall?: number;
}

/** `internal` → `removesession`. */
export interface RemoveSessionRequest {
  sessionid: string;
  roomid: string;
  userid?: string;
}

/** Status a SIP bridge reports for a dial-out call. */
export type DialoutStatus = 'accepted' | 'ringing' | 'connected' | 'rejected' | 'cleared';

/** `internal` → `dialout` (answers and status reports of a SIP bridge). */
export interface DialoutMessage {
  type: string;
  roomid?: string;
  error?: { code: string; message: string; details?: unknown };
  status?: {
    callid: string;
    status: DialoutStatus;
    cause?: string;
    code?: number;
    message?: string;
  };
}

/** Body of an `internal` request (internal clients only). */
export type InternalRequest =
  | { type: 'addsession'; addsession: AddSessionRequest }
  | { type: 'updatesession'; updatesession: UpdateSessionRequest }
  | { type: 'removesession'; removesession: RemoveSessionRequest }
  | { type: 'incall'; incall: { incall: number } }
  | { type: 'dialout'; dialout: DialoutMessage };

/** One message from a client, after validation. */
export type ClientMessage =
  | { id?: string; type: 'hello'; hello: HelloRequest }
  | { id?: string; type: 'bye'; bye: JsonObject }
  | { id?: string; type: 'room'; room: RoomRequest }
  | { id?: string; type: 'message'; message: MessageRequest }
  | { id?: string; type: 'control'; control: MessageRequest }
  | { id?: string; type: 'internal'; internal: InternalRequest }
  | { id?: string; type: 'transient'; transient: TransientRequest }
  /** A well-formed frame of a type this server does not know; upstream ignores these after hello. */
  | { id?: string; type: 'unsupported'; original: string };

/** The `type` of a client message. */
export type ClientMessageType = ClientMessage['type'];
