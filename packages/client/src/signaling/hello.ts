import { ClientFeatures, ServerFeatures, SignalingError } from '@spreed-ts/protocol';
import type { SignalingSettings } from '../http/talk-types.js';
import { ClientError } from '../util/client-error.js';
import type { JsonObject } from '../util/json.js';

/** The body of a new-session `hello`. */
export interface HelloBody extends JsonObject {
  version: '1.0' | '2.0';
  features?: string[];
  auth: { type?: 'internal'; url?: string; params: JsonObject };
}

/**
 * Builds the hello like the Talk web client: version 2.0 with the settings' JWT when the server
 * announced `hello-v2` and Talk issued a token, else 1.0 with the ticket; client features only
 * when the server offers them (`chat-relay`: chat messages arrive in the room events).
 * `auth.url` is Talk's signaling backend endpoint below the Nextcloud base URL. Settings with
 * `internal` params make an internal client's hello (`auth.type: "internal"`, all wanted features).
 */
export function buildHello(
  settings: SignalingSettings,
  serverFeatures: readonly string[],
  backendUrl: string,
  wantedFeatures: readonly string[] = [ClientFeatures.chatRelay],
): HelloBody {
  const internal = settings.helloAuthParams.internal;
  if (internal !== undefined) {
    // Client features of internal clients (`internal-incall`) are not announced by servers.
    return {
      version: '1.0',
      ...(wantedFeatures.length === 0 ? {} : { features: [...wantedFeatures] }),
      auth: { type: 'internal', params: { ...internal } },
    };
  }
  const v2 = settings.helloAuthParams['2.0'];
  const useV2 = v2 !== undefined && serverFeatures.includes(ServerFeatures.helloV2);
  const features = wantedFeatures.filter((f) => serverFeatures.includes(f));
  const params: JsonObject = useV2
    ? { token: v2.token }
    : (settings.helloAuthParams['1.0'] ?? { userid: settings.userId, ticket: settings.ticket });
  return {
    version: useV2 ? '2.0' : '1.0',
    ...(features.length === 0 ? {} : { features }),
    auth: { url: `${backendUrl}ocs/v2.php/apps/spreed/api/v3/signaling/backend`, params },
  };
}

/** Hello errors that retrying cannot fix. */
const FATAL_CODES = new Set([
  'invalid_backend',
  'invalid_client_type',
  'invalid_hello_version',
  'invalid_ticket',
  'no_such_user',
  'auth_failed',
  'invalid_token',
]);

/** Client failures that retrying cannot fix (the conversation or the credentials are gone). */
const FATAL_REASONS = new Set(['room_not_found', 'unauthorized', 'not_talk', 'not_participant']);

/** The wire code of a failure the signaling server reported, if it was one. */
export function signalingCode(error: unknown): string | undefined {
  return error instanceof ClientError && error.cause instanceof SignalingError
    ? error.cause.code
    : undefined;
}

/** Whether a failed (re)connect should end the connection instead of being retried. */
export function isFatalConnectFailure(error: unknown): boolean {
  const code = signalingCode(error);
  if (code !== undefined) {
    return FATAL_CODES.has(code);
  }
  return error instanceof ClientError && FATAL_REASONS.has(error.reason);
}
