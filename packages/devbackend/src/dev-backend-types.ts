import type { HelloV2Claims } from '@spreed-ts/protocol';
import type { TalkJwtAlgorithm } from './auth/token-signer.js';
import type { ParticipantType } from './model/constants.js';
import type { RecordedBackendRequest, TurnServerConfig } from './routes/route-deps.js';
import type { NotifierError, RecordedNotification } from './signaling/notifier.js';

/** Options of the development backend. */
export interface DevBackendOptions {
  /** Listen address; default `127.0.0.1`. */
  host?: string;
  /** Listen port; default 0 (a free port). */
  port?: number;
  /** The signaling shared secret (both directions); random by default. */
  secret?: string;
  /** More secrets accepted on incoming backend requests (never used for sending). */
  additionalSecrets?: readonly string[];
  /** Hello v2 token algorithm; default `ES256` like Talk. */
  jwtAlgorithm?: TalkJwtAlgorithm;
  /** A PKCS#8/PEM private key for the tokens; generated when omitted. */
  jwtPrivateKey?: string;
  /** The signaling server base URL (can also be set after start with `setSignalingUrl`). */
  signalingUrl?: string;
  /** Whether capabilities list `signaling-v3`; default true. */
  signalingV3?: boolean;
  /** Whether chat notifications carry the message as `comment`; default true. */
  chatRelay?: boolean;
  /** STUN servers as `host:port`; default none. */
  stunServers?: readonly string[];
  /** TURN servers; default none. */
  turnServers?: readonly TurnServerConfig[];
  /** Refuse OCS app requests without `OCS-APIRequest: true` or a request token; default true. */
  requireOcsApiRequest?: boolean;
  /** `Cache-Control` of the capabilities; default Nextcloud's `no-cache, no-store, must-revalidate`. */
  capabilitiesCacheControl?: string;
  /** Name of the PHP session cookie; default `nc_session_id`. */
  cookieName?: string;
  /** Timeout per notification attempt; default 10 000 ms. */
  notifyTimeoutMs?: number;
  /** Nextcloud version reported in capabilities and status.php; default `31.0.0`. */
  nextcloudVersion?: string;
  /**
   * The script of the call page `GET /call/{token}` (a browser bundle of the client that joins
   * the call with the microphone). Default: `packages/client/dist/bundle/call-app.js` of this
   * repository (built by `npm run build`), resolved from the devbackend's own location; `false`
   * serves the plain page without it.
   */
  callAppBundle?: string | false;
  /** Log sink; default silent. */
  log?: (message: string) => void;
}

/** Events of the development backend. */
export type DevBackendEvents = {
  /** The signaling server called the backend endpoint. */
  backendRequest: [request: RecordedBackendRequest];
  /** A notification reached the signaling server. */
  notification: [notification: RecordedNotification];
  /** A notification failed the way Talk's notifier fails (connection, HTTP 4xx, missing features). */
  notificationFailed: [error: NotifierError];
};

/** Claims a test may override in {@link DevBackend.helloV2Token}. */
export type HelloV2TokenOverrides = Partial<
  Pick<HelloV2Claims, 'iss' | 'iat' | 'exp' | 'nbf' | 'sub' | 'userdata'>
>;

/** Who writes a chat message posted through the programmatic API. */
export type MessageAuthor =
  | { userId: string }
  | { sessionId: string }
  | { bot: string; displayName?: string };

/** Changes accepted by {@link DevBackend.updateRoom}. */
export interface RoomChanges {
  name?: string;
  description?: string;
  readOnly?: boolean;
  lobby?: boolean;
  password?: string;
  type?: 'public' | 'group';
}

/** A session created through {@link DevBackend.joinRoom}. */
export interface JoinedSession {
  /** The Talk session id (what clients send as `sessionid` in the signaling `room` message). */
  sessionId: string;
  attendeeId: number;
  actorType: string;
  actorId: string;
  participantType: ParticipantType;
}

/** Identifies an attendee: a user id, or an attendee id. */
export type AttendeeRef = string | number;
