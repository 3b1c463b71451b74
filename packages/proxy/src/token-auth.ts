/**
 * Checks the JWT of a `hello` (upstream's parseToken): signed by the key of its `iss`, with the
 * algorithm matching the key type, `exp`/`nbf`/`iat` checked with one minute of leeway, and `iat`
 * not older than five minutes (plus leeway) so that old tokens cannot be replayed.
 */
import { type KeyObject, verify } from 'node:crypto';
import { isObject, type ProxyTokenClaims } from '@spreed-ts/protocol';
import type { TokenKeys } from './token-keys.js';

/** Largest token accepted (a JWT with an RSA-4096 signature is under 1 KiB). */
export const MAX_TOKEN_LENGTH = 8 * 1024;
/** Allowed clock difference between server and proxy (upstream's `tokenLeeway`). */
export const TOKEN_LEEWAY_SECONDS = 60;
/** Oldest `iat` accepted, before leeway (upstream's `maxTokenAge`). */
export const MAX_TOKEN_AGE_SECONDS = 5 * 60;

/** Why a token was refused: the error to answer, and the `reason` label of the metric. */
export interface TokenRejection {
  error: 'auth_failed' | 'token_expired' | 'token_not_valid_yet';
  /** `signaling_proxy_token_errors_total{reason}` (upstream's values). */
  reason: string;
}

/** Digest used by each JWS algorithm, for the key types that may use it. */
const ALGORITHMS: Readonly<Record<string, { digest: string | null; keyType: string }>> = {
  RS256: { digest: 'sha256', keyType: 'rsa' },
  RS384: { digest: 'sha384', keyType: 'rsa' },
  RS512: { digest: 'sha512', keyType: 'rsa' },
  ES256: { digest: 'sha256', keyType: 'ec' },
  EdDSA: { digest: null, keyType: 'ed25519' },
};

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(segment)) {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A NumericDate claim: a finite number, or absent. `null` when present but malformed. */
function numericDate(claims: Record<string, unknown>, key: string): number | undefined | null {
  const value = claims[key];
  if (value === undefined) {
    return undefined;
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Verifies `token` against `keys`; returns its claims or why it is refused. `nowSeconds` is the
 * current time (seconds since the epoch).
 */
export function verifyProxyToken(
  token: string,
  keys: TokenKeys,
  nowSeconds: number,
): ProxyTokenClaims | TokenRejection {
  const failed = (reason: string): TokenRejection => ({ error: 'auth_failed', reason });
  if (token.length > MAX_TOKEN_LENGTH) {
    return failed('auth-failed');
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    return failed('auth-failed');
  }
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  const header = decodeSegment(headerPart);
  const claims = decodeSegment(claimsPart);
  if (header === undefined || claims === undefined || !BASE64URL.test(signaturePart)) {
    return failed('auth-failed');
  }
  const algorithm =
    typeof header.alg === 'string' && Object.hasOwn(ALGORITHMS, header.alg)
      ? ALGORITHMS[header.alg]
      : undefined;
  if (algorithm === undefined) {
    return failed('unsupported-signing-method');
  }
  const issuer = claims.iss;
  if (typeof issuer !== 'string') {
    return failed('unsupported-claims');
  }
  const key: KeyObject | undefined = keys.get(issuer);
  if (key === undefined) {
    return failed('unsupported-issuer');
  }
  if (key.asymmetricKeyType !== algorithm.keyType) {
    return failed('unsupported-signing-method');
  }
  const signature = Buffer.from(signaturePart, 'base64url');
  let valid = false;
  try {
    valid = verify(
      algorithm.digest,
      Buffer.from(`${headerPart}.${claimsPart}`, 'ascii'),
      // JWS carries ECDSA signatures as r||s, not DER.
      algorithm.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key,
      signature,
    );
  } catch {
    valid = false;
  }
  if (!valid) {
    return failed('auth-failed');
  }
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');
  if (exp === null || nbf === null || iat === null) {
    return failed('auth-failed');
  }
  if (exp !== undefined && nowSeconds - TOKEN_LEEWAY_SECONDS >= exp) {
    return { error: 'token_expired', reason: 'expired' };
  }
  if (nbf !== undefined && nowSeconds + TOKEN_LEEWAY_SECONDS < nbf) {
    return { error: 'token_not_valid_yet', reason: 'not-valid-yet' };
  }
  if (iat !== undefined && nowSeconds + TOKEN_LEEWAY_SECONDS < iat) {
    return { error: 'token_not_valid_yet', reason: 'not-valid-yet' };
  }
  if (iat === undefined || iat < nowSeconds - MAX_TOKEN_AGE_SECONDS - TOKEN_LEEWAY_SECONDS) {
    return { error: 'token_expired', reason: 'expired' };
  }
  const result: ProxyTokenClaims = { iss: issuer, iat };
  if (exp !== undefined) {
    result.exp = exp;
  }
  if (nbf !== undefined) {
    result.nbf = nbf;
  }
  if (typeof claims.sub === 'string') {
    result.sub = claims.sub;
  }
  return result;
}

/** Whether {@link verifyProxyToken} refused the token. */
export function isRejection(value: ProxyTokenClaims | TokenRejection): value is TokenRejection {
  return 'error' in value;
}
