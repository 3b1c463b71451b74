import type { TicketIssuer } from '../auth/tickets.js';
import type { TokenSigner } from '../auth/token-signer.js';
import type { ChatFormatter } from '../model/chat-formatter.js';
import type { ChatLog } from '../model/chat-log.js';
import type { ParticipantService } from '../model/participant-service.js';
import type { TalkModel } from '../model/talk-model.js';
import type { FaultInjector } from '../signaling/fault-injector.js';
import type { Recorder } from '../signaling/recorder.js';
import type { TalkListener } from '../signaling/talk-listener.js';

/** A TURN server as configured in Talk's admin settings. */
export interface TurnServerConfig {
  /** Comma separated, e.g. `turn` or `turn,turns`. */
  schemes: string;
  /** `host:port`. */
  server: string;
  /** Comma separated, e.g. `udp,tcp`. */
  protocols: string;
  /** Shared secret for REST-style credentials (coturn `static-auth-secret`). */
  secret?: string;
  /** Static credentials, used when no secret is set. */
  username?: string;
  password?: string;
}

/** One request the signaling server sent to the backend endpoint. */
export interface RecordedBackendRequest {
  /** Arrival time, ms since the epoch. */
  readonly at: number;
  /** Request path (with query). */
  readonly path: string;
  /** Request headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as received. */
  readonly rawBody: string;
  /** The parsed body, or undefined when it was not JSON. */
  readonly body: unknown;
  /** `body.type`, if any. */
  readonly type: string | undefined;
  /** Whether random and checksum verified against a configured secret. */
  readonly checksumValid: boolean;
  /** The answer, once sent. */
  response: { status: number; body: string } | undefined;
}

/** Runtime settings the routes read on every request. */
export interface RouteSettings {
  /** Base URL with trailing slash. */
  baseUrl(): string;
  /** Accepted shared secrets, the first is used for outgoing requests. */
  secrets(): readonly string[];
  /** The signaling server URL, or undefined (internal signaling). */
  signalingUrl(): string | undefined;
  signalingV3: boolean;
  stunServers: readonly string[];
  turnServers: readonly TurnServerConfig[];
  /** `Cache-Control` of the capabilities response. */
  capabilitiesCacheControl: string;
  /** Reject OCS app requests without `OCS-APIRequest` or a valid request token. */
  requireOcsApiRequest: boolean;
  /** Nextcloud server version, e.g. `31.0.0`. */
  nextcloudVersion: string;
  /** Talk app version, e.g. `21.0.0`. */
  talkVersion: string;
  /** The call page's script (the client's browser bundle), or undefined for a plain page. */
  callAppBundle: string | undefined;
}

/** What the route modules need from the development backend. */
export interface RouteDeps {
  readonly model: TalkModel;
  readonly participants: ParticipantService;
  readonly chat: ChatLog;
  /** Renders stored chat messages the way Talk's chat API returns them to a viewer. */
  readonly formatter: ChatFormatter;
  readonly tickets: TicketIssuer;
  readonly signer: TokenSigner;
  readonly listener: TalkListener;
  readonly recorder: Recorder<RecordedBackendRequest>;
  readonly faults: FaultInjector;
  readonly settings: RouteSettings;
  /** A hello v2 token as Talk's settings endpoint would hand out. */
  helloV2Token(userId: string | null): string;
}
