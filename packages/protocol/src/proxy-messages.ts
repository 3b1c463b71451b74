/**
 * The signaling proxy's WebSocket API (`/proxy`): what a signaling server sends to a proxy and what
 * the proxy answers. Field names and codes are upstream's (nextcloud-spreed-signaling `proxy/api.go`),
 * so either side can be upstream's Go binary.
 */
import type { JsonObject } from './client-messages.js';
import type { WireError } from './errors.js';

/** The stream a publisher or subscriber carries: a camera/microphone or a screen. */
export type ProxyStreamType = 'video' | 'screen';

/** `publisherSettings` of `create-publisher` (newer servers; 0.4.1 sends `bitrate`/`mediatypes`). */
export interface ProxyPublisherSettings {
  bitrate?: number;
  /** Media bits: audio 1, video 2, screen 4. */
  mediatypes?: number;
  audiocodec?: string;
  videocodec?: string;
  vp9_profile?: string;
  h264_profile?: string;
}

/** A stream of a publisher as Janus describes it (`get-publisher-streams`, remote publishing). */
export interface ProxyPublisherStream {
  mid: string;
  mindex: number;
  type: string;
  description?: string;
  disabled?: boolean;
  codec?: string;
  stereo?: boolean;
  fec?: boolean;
  dtx?: boolean;
  simulcast?: boolean;
  svc?: boolean;
  h264_profile?: string;
  vp9_profile?: string;
  videoorient_ext_id?: number;
  playoutdelay_ext_id?: number;
}

// ---------------------------------------------------------------------------------------------
// Signaling server -> proxy

/** `hello`: a new session authenticated by a JWT, or a resume of an earlier session. */
export interface ProxyHelloRequest {
  /** Always "1.0". */
  version: string;
  /** The session to resume; empty or absent for a new session. */
  resumeid?: string;
  features?: string[];
  /** RS256/ES256/EdDSA JWT with `iss` = the token id configured on the proxy and `iat`. */
  token?: string;
}

/** Commands; `type` selects which of the other fields matter. */
export type ProxyCommandType =
  | 'create-publisher'
  | 'create-subscriber'
  | 'delete-publisher'
  | 'delete-subscriber'
  | 'publish-remote'
  | 'unpublish-remote'
  | 'get-publisher-streams';

export interface ProxyCommandRequest {
  type: ProxyCommandType | (string & {});
  /** `create-publisher`: the signaling client's peer connection id. */
  sid?: string;
  streamType?: ProxyStreamType | (string & {});
  /** `create-subscriber`: the proxy's client id of the publisher (or, remote: the session id). */
  publisherId?: string;
  /** Deletes, remote publishing, streams: the proxy's client id. */
  clientId?: string;
  /** Deprecated (0.4.1): requested bitrate of a new publisher. */
  bitrate?: number;
  /** Deprecated (0.4.1): media bits of a new publisher. */
  mediatypes?: number;
  publisherSettings?: ProxyPublisherSettings;
  /** `create-subscriber` on another proxy than the publisher's: that proxy's URL and a token for it. */
  remoteUrl?: string;
  remoteToken?: string;
  /** `publish-remote` / `unpublish-remote`: where Janus sends or stops sending the stream. */
  hostname?: string;
  port?: number;
  rtcpPort?: number;
}

/** `payload`: signaling for one publisher or subscriber of the proxy. */
export type ProxyPayloadType =
  | 'offer'
  | 'answer'
  | 'candidate'
  | 'endOfCandidates'
  | 'requestoffer'
  | 'sendoffer'
  | 'selectStream';

export interface ProxyPayloadRequest {
  type: ProxyPayloadType | (string & {});
  /** The proxy's client id of the publisher or subscriber. */
  clientId: string;
  sid?: string;
  payload?: JsonObject;
}

/** A message from a signaling server to a proxy. `id` is echoed in the answer. */
export type ProxyClientMessage =
  | { id?: string; type: 'hello'; hello: ProxyHelloRequest }
  | { id?: string; type: 'bye'; bye?: JsonObject }
  | { id?: string; type: 'command'; command: ProxyCommandRequest }
  | { id?: string; type: 'payload'; payload: ProxyPayloadRequest };

// ---------------------------------------------------------------------------------------------
// Proxy -> signaling server

export interface ProxyHelloResponse {
  version: string;
  sessionid: string;
  /** Like the signaling API's `welcome` body (`version`, `features`, `country`). */
  server?: { version: string; features?: string[]; country?: string };
}

/** The answer to a command: the new client's id, and for publishers the bitrate the proxy applies. */
export interface ProxyCommandResponse {
  id?: string;
  sid?: string;
  bitrate?: number;
  streams?: ProxyPublisherStream[];
}

/** The answer to a payload, or a payload the proxy sends on its own (a candidate, an update offer). */
export interface ProxyPayloadResponse {
  type: string;
  clientId: string;
  /** The answer / offer / candidate; `null` when only acknowledged. */
  payload: JsonObject | null;
}

/** Bandwidth usage in an `update-load` event (newer proxies only). */
export interface ProxyEventBandwidth {
  /** Publishers' utilisation in percent of the configured maximum; absent: unlimited. */
  incoming?: number;
  /** Subscribers' utilisation in percent of the configured maximum; absent: unlimited. */
  outgoing?: number;
  /** Bits per second received from publishers. */
  received?: number;
  /** Bits per second sent to subscribers. */
  sent?: number;
}

export type ProxyEventType =
  | 'update-load'
  | 'shutdown-scheduled'
  | 'backend-connected'
  | 'backend-disconnected'
  | 'publisher-closed'
  | 'subscriber-closed'
  | 'ice-completed'
  | 'publisher-connected'
  | 'subscriber-connected';

export interface ProxyEvent {
  type: ProxyEventType | (string & {});
  clientId?: string;
  /** `update-load`: omitted when 0. */
  load?: number;
  sid?: string;
  bandwidth?: ProxyEventBandwidth;
}

/** A message from a proxy to a signaling server. */
export type ProxyServerMessage =
  | { id?: string; type: 'hello'; hello: ProxyHelloResponse }
  | { id?: string; type: 'error'; error: WireError }
  | { id?: string; type: 'bye'; bye: { reason: string } }
  | { id?: string; type: 'command'; command: ProxyCommandResponse }
  | { id?: string; type: 'payload'; payload: ProxyPayloadResponse }
  | { id?: string; type: 'event'; event: ProxyEvent };

/** The claims of the JWT in `hello.token`. */
export interface ProxyTokenClaims {
  /** The token id the proxy knows the server's public key by (`[tokens]` key). */
  iss: string;
  /** Issued at, seconds since the epoch; the proxy refuses tokens older than its allowance. */
  iat: number;
  /** Optional expiry and not-before, seconds since the epoch. */
  exp?: number;
  nbf?: number;
  /** Remote subscriptions: the publisher's session id. */
  sub?: string;
}

/** Error codes and messages a proxy answers with (upstream's, verbatim meanings). */
export const ProxyErrors = {
  invalidFormat: { code: 'invalid_format', message: 'Invalid data format.' },
  helloExpected: { code: 'hello_expected', message: 'Expected Hello request.' },
  noSuchSession: { code: 'no_such_session', message: 'The session to resume does not exist.' },
  timeoutCreatingPublisher: { code: 'timeout', message: 'Timeout creating publisher.' },
  timeoutCreatingSubscriber: { code: 'timeout', message: 'Timeout creating subscriber.' },
  tokenAuthFailed: { code: 'auth_failed', message: 'The token could not be authenticated.' },
  tokenExpired: { code: 'token_expired', message: 'The token is expired.' },
  tokenNotValidYet: { code: 'token_not_valid_yet', message: 'The token is not valid yet.' },
  unknownClient: { code: 'unknown_client', message: 'Unknown client id given.' },
  unsupportedCommand: { code: 'bad_request', message: 'Unsupported command received.' },
  unsupportedMessage: { code: 'bad_request', message: 'Unsupported message received.' },
  unsupportedPayload: { code: 'unsupported_payload', message: 'Unsupported payload type.' },
  shutdownScheduled: {
    code: 'shutdown_scheduled',
    message: 'The server is scheduled to shutdown.',
  },
  remoteSubscribersNotSupported: {
    code: 'unsupported_subscriber',
    message: 'Remote subscribers are not supported.',
  },
} as const satisfies Record<string, WireError>;
