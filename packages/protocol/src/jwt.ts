import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { parseJsonBounded } from './json-depth.js';

/** The JWS algorithms hello v2 tokens may be signed with. */
export type JwtAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

const HASHES: Record<JwtAlgorithm, string | null> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  EdDSA: null,
};

/** Claims of a hello v2 token as Talk issues them. */
export interface HelloV2Claims {
  /** Issuer: the Nextcloud base URL. */
  iss?: string;
  /** Issued at, seconds since the epoch. */
  iat?: number;
  /** Expiry, seconds since the epoch. */
  exp?: number;
  /** Not before, seconds since the epoch. */
  nbf?: number;
  /** The user id; absent for guests. */
  sub?: string;
  /** Extra user data, passed on as `user` in room events. */
  userdata?: Record<string, unknown>;
  [claim: string]: unknown;
}

/** Why a token was rejected. */
export type JwtFailure =
  | 'malformed'
  | 'unsupported_algorithm'
  | 'bad_signature'
  | 'missing_iat'
  | 'not_valid_yet'
  | 'expired';

/** Result of verifying a token. */
export type JwtResult =
  | { ok: true; claims: HelloV2Claims; algorithm: JwtAlgorithm }
  | { ok: false; failure: JwtFailure; message: string };

function isAlgorithm(value: unknown): value is JwtAlgorithm {
  return typeof value === 'string' && Object.hasOwn(HASHES, value);
}

/**
 * Turns the key Talk publishes in its capabilities into a key object: a PEM public key, or the raw
 * 32-byte Ed25519 key encoded with base64 (what Talk publishes for EdDSA).
 */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) {
    return createPublicKey(trimmed);
  }
  const raw = Buffer.from(trimmed, 'base64');
  if (raw.length !== 32) {
    throw new TypeError(`not a PEM key nor a raw Ed25519 key (${raw.length} bytes)`);
  }
  // SubjectPublicKeyInfo prefix for Ed25519 (OID 1.3.101.112) followed by the 32 raw bytes.
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

function decodeJsonPart(part: string): unknown {
  return parseJsonBounded(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Options for {@link verifyJwt}. */
export interface VerifyJwtOptions {
  /** Clock skew tolerated on `iat`, `nbf` and `exp`, in seconds. */
  leewaySeconds: number;
  /** Whether a token without `iat` is rejected. */
  requireIat: boolean;
  /** The current time in seconds; defaults to now. */
  nowSeconds?: number;
}

/** Verifies a compact JWS with `key` and checks its time claims. */
export function verifyJwt(token: string, key: KeyObject, options: VerifyJwtOptions): JwtResult {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0 && p !== parts[2])) {
    return { ok: false, failure: 'malformed', message: 'token is not a compact JWS' };
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: unknown;
  let payload: unknown;
  try {
    header = decodeJsonPart(headerPart);
    payload = decodeJsonPart(payloadPart);
  } catch {
    return { ok: false, failure: 'malformed', message: 'token parts are not base64url JSON' };
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    return { ok: false, failure: 'malformed', message: 'token header is not an object' };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, failure: 'malformed', message: 'token payload is not an object' };
  }
  const alg = (header as { alg?: unknown }).alg;
  if (!isAlgorithm(alg)) {
    return {
      ok: false,
      failure: 'unsupported_algorithm',
      message: `unsupported algorithm ${String(alg)}`,
    };
  }
  const keyType = key.asymmetricKeyType;
  const family = alg === 'EdDSA' ? 'ed25519' : alg.startsWith('ES') ? 'ec' : 'rsa';
  if (keyType !== family) {
    return {
      ok: false,
      failure: 'bad_signature',
      message: `algorithm ${alg} does not fit a ${keyType} key`,
    };
  }
  const data = Buffer.from(`${headerPart}.${payloadPart}`, 'latin1');
  const signature = Buffer.from(signaturePart, 'base64url');
  let valid: boolean;
  try {
    valid = verify(
      HASHES[alg],
      data,
      family === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key,
      signature,
    );
  } catch {
    valid = false;
  }
  if (!valid) {
    return { ok: false, failure: 'bad_signature', message: 'signature does not verify' };
  }
  const claims = payload as HelloV2Claims;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const leeway = options.leewaySeconds;
  for (const name of ['iat', 'exp', 'nbf'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'number') {
      return { ok: false, failure: 'malformed', message: `claim ${name} is not a number` };
    }
  }
  if (claims.iat === undefined) {
    if (options.requireIat) {
      return { ok: false, failure: 'missing_iat', message: 'token has no iat claim' };
    }
  } else if (claims.iat > now + leeway) {
    return { ok: false, failure: 'not_valid_yet', message: 'token is used before its issue time' };
  }
  if (claims.nbf !== undefined && claims.nbf > now + leeway) {
    return { ok: false, failure: 'not_valid_yet', message: 'token is not valid yet' };
  }
  if (claims.exp !== undefined && claims.exp < now - leeway) {
    return { ok: false, failure: 'expired', message: 'token has expired' };
  }
  return { ok: true, claims, algorithm: alg };
}

/** Signs `claims` as a compact JWS. Used by the development backend and by tests. */
export function signJwt(
  claims: HelloV2Claims,
  privateKeyPem: string | KeyObject,
  alg: JwtAlgorithm,
): string {
  const key = typeof privateKeyPem === 'string' ? createPrivateKey(privateKeyPem) : privateKeyPem;
  const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const data = Buffer.from(`${header}.${payload}`, 'latin1');
  const signature = sign(
    HASHES[alg],
    data,
    alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key,
  );
  return `${header}.${payload}.${signature.toString('base64url')}`;
}
