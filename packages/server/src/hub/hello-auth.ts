import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  canonicalBackendUrl,
  ErrorCodes,
  type HelloNew,
  isObject,
  parsePublicKey,
  SignalingError,
  verifyJwt,
} from '@spreed-ts/protocol';
import type { BackendClient } from '../backend/backend-client.js';
import { BackendRequestError } from '../backend/backend-errors.js';
import type { Backend, BackendRegistry } from '../backend/backend-registry.js';
import type { Throttler } from './throttle.js';

/** Clock skew tolerated on hello v2 tokens. */
const TOKEN_LEEWAY_SECONDS = 60;
/** Shortest `random` an internal client may use. */
const MIN_INTERNAL_RANDOM = 32;

/** Who authenticated. */
export interface AuthResult {
  backend: Backend;
  /** Canonical Nextcloud base URL. */
  backendUrl: string;
  userId: string;
  user: unknown;
}

/** What authentication needs from the server. */
export interface HelloAuthDeps {
  backends: BackendRegistry;
  backendClient: BackendClient;
  throttler: Throttler;
  /** `[clients] internalsecret`; empty disables internal clients. */
  internalSecret: () => string;
}

const errors = {
  invalidBackend: () =>
    new SignalingError(ErrorCodes.invalidBackend, 'The backend URL is not supported.'),
  invalidToken: (why: string) =>
    new SignalingError(ErrorCodes.invalidToken, 'The passed token is invalid.', {
      cause: new Error(why),
    }),
  notValidYet: () => new SignalingError(ErrorCodes.tokenNotValidYet, 'The token is not valid yet.'),
  expired: () => new SignalingError(ErrorCodes.tokenExpired, 'The token is expired.'),
  tooMany: () => new SignalingError(ErrorCodes.tooManyRequests, 'Too many requests.'),
  authFailed: () =>
    new SignalingError(ErrorCodes.authFailed, 'The user could not be authenticated.'),
};

/**
 * Authenticates a fresh hello: v1 asks Talk to check the ticket, v2 verifies the JWT with the key
 * from Talk's capabilities, internal clients prove the shared secret. Throws {@link SignalingError}
 * with upstream's codes.
 */
export async function authenticateHello(
  hello: HelloNew,
  remoteAddress: string,
  deps: HelloAuthDeps,
): Promise<AuthResult> {
  const auth = hello.auth;
  if (auth.type === 'internal') {
    return authenticateInternal(auth.params, remoteAddress, deps);
  }
  const backendUrl = auth.url ?? '';
  const backend = deps.backends.lookup(backendUrl);
  if (!backend) {
    throw errors.invalidBackend();
  }
  if (auth.type === 'federation' && hello.version === '2.0') {
    const ok = await deps.backendClient.capabilities
      .hasFeature(backendUrl, 'federation-v2')
      .catch(() => false);
    if (!ok) {
      throw new SignalingError(
        ErrorCodes.federationUnsupported,
        'The target server does not support federation.',
      );
    }
  }
  if (hello.version === '1.0') {
    return authenticateV1(backend, backendUrl, auth.params, deps);
  }
  return authenticateV2(backend, backendUrl, String(auth.params.token), deps);
}

async function authenticateV1(
  backend: Backend,
  backendUrl: string,
  params: unknown,
  deps: HelloAuthDeps,
): Promise<AuthResult> {
  let data: unknown;
  try {
    data = await deps.backendClient.signalingRequest(backend, backendUrl, {
      type: 'auth',
      auth: { version: '1.0', params },
    });
  } catch (err) {
    if (err instanceof BackendRequestError) {
      throw new SignalingError(ErrorCodes.internalError, `Backend request failed: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
  if (!isObject(data)) {
    throw errors.authFailed();
  }
  if (data.type === 'error') {
    const error = data.error;
    if (isObject(error) && typeof error.code === 'string' && error.code !== '') {
      const message = typeof error.message === 'string' ? error.message : error.code;
      const details =
        error.details === undefined || error.details === null ? {} : { details: error.details };
      throw new SignalingError(error.code, message, details);
    }
    throw errors.authFailed();
  }
  const authBody = data.auth;
  if (data.type !== 'auth' || !isObject(authBody)) {
    throw errors.authFailed();
  }
  const userId = typeof authBody.userid === 'string' ? authBody.userid : '';
  return { backend, backendUrl, userId, user: authBody.user ?? undefined };
}

async function authenticateV2(
  backend: Backend,
  backendUrl: string,
  token: string,
  deps: HelloAuthDeps,
): Promise<AuthResult> {
  const capabilities = deps.backendClient.capabilities;
  let lookup = await capabilities
    .getConfig(backendUrl, 'signaling', 'hello-v2-token-key')
    .catch(() => ({
      value: undefined,
      cached: false,
    }));
  if (typeof lookup.value !== 'string' && lookup.cached) {
    // Talk may have just enabled hello v2 while we still hold capabilities without the key.
    capabilities.invalidate(backendUrl);
    lookup = await capabilities
      .getConfig(backendUrl, 'signaling', 'hello-v2-token-key')
      .catch(() => ({
        value: undefined,
        cached: false,
      }));
  }
  if (typeof lookup.value !== 'string') {
    throw errors.invalidToken('no hello-v2-token-key in the capabilities');
  }
  let key: ReturnType<typeof parsePublicKey>;
  try {
    key = parsePublicKey(lookup.value);
  } catch (err) {
    throw errors.invalidToken(`unusable hello-v2-token-key: ${(err as Error).message}`);
  }
  const result = verifyJwt(token, key, { leewaySeconds: TOKEN_LEEWAY_SECONDS, requireIat: true });
  if (!result.ok) {
    switch (result.failure) {
      case 'missing_iat':
      case 'not_valid_yet':
        throw errors.notValidYet();
      case 'expired':
        throw errors.expired();
      default:
        throw errors.invalidToken(result.message);
    }
  }
  const { claims } = result;
  const now = Date.now() / 1000;
  if (claims.exp === undefined || (claims.iat !== undefined && claims.exp < claims.iat)) {
    throw errors.expired();
  }
  if (claims.exp < now - TOKEN_LEEWAY_SECONDS) {
    throw errors.expired();
  }
  const userId = typeof claims.sub === 'string' ? claims.sub : '';
  return { backend, backendUrl, userId, user: claims.userdata ?? undefined };
}

async function authenticateInternal(
  params: Record<string, unknown>,
  remoteAddress: string,
  deps: HelloAuthDeps,
): Promise<AuthResult> {
  const secret = deps.internalSecret();
  if (secret === '') {
    throw new SignalingError(ErrorCodes.invalidClientType, 'The client type is not supported.');
  }
  const check = deps.throttler.check(remoteAddress, 'HelloInternal');
  if (check.blocked) {
    throw errors.tooMany();
  }
  const random = typeof params.random === 'string' ? params.random : '';
  const token = typeof params.token === 'string' ? params.token : '';
  const expected = Buffer.from(createHmac('sha256', secret).update(random).digest('hex'));
  const given = Buffer.from(token);
  if (
    Buffer.byteLength(random) < MIN_INTERNAL_RANDOM ||
    given.length !== expected.length ||
    !timingSafeEqual(given, expected)
  ) {
    await check.fail();
    throw errors.invalidToken('internal client token does not match');
  }
  const backendUrl = canonicalBackendUrl(String(params.backend ?? ''));
  const backend = backendUrl === undefined ? undefined : deps.backends.lookup(backendUrl);
  if (!backend || backendUrl === undefined) {
    await check.fail();
    throw errors.invalidBackend();
  }
  return { backend, backendUrl, userId: '', user: undefined };
}
