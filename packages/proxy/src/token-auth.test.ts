import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { test } from 'node:test';
import { isRejection, verifyProxyToken } from './token-auth.js';
import type { TokenKeys } from './token-keys.js';

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function jwt(alg: string, claims: Record<string, unknown>, key: KeyObject, digest: string | null) {
  const data = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  const signature = sign(
    digest,
    Buffer.from(data),
    alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
  );
  return `${data}.${signature.toString('base64url')}`;
}

function keysOf(entries: Record<string, KeyObject>): TokenKeys {
  return { get: (id) => entries[id], close: () => undefined };
}

const NOW = 1_800_000_000;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

test('token auth - RS256/RS512, ES256 and EdDSA tokens of known issuers pass', () => {
  const keys = keysOf({ r: rsa.publicKey, e: ec.publicKey, d: ed.publicKey });
  const cases: Array<[string, string, KeyObject, string | null]> = [
    ['RS256', 'r', rsa.privateKey, 'sha256'],
    ['RS512', 'r', rsa.privateKey, 'sha512'],
    ['ES256', 'e', ec.privateKey, 'sha256'],
    ['EdDSA', 'd', ed.privateKey, null],
  ];
  for (const [alg, iss, key, digest] of cases) {
    const claims = verifyProxyToken(jwt(alg, { iss, iat: NOW }, key, digest), keys, NOW);
    assert.deepEqual(claims, { iss, iat: NOW }, alg);
  }
});

test('token auth - refusals with upstream codes and metric reasons', () => {
  const keys = keysOf({ r: rsa.publicKey, e: ec.publicKey });
  const rs = (claims: Record<string, unknown>) => jwt('RS256', claims, rsa.privateKey, 'sha256');
  const cases: Array<[string, string, string, string]> = [
    ['not a jwt', 'abc', 'auth_failed', 'auth-failed'],
    ['unknown issuer', rs({ iss: 'x', iat: NOW }), 'auth_failed', 'unsupported-issuer'],
    ['no issuer', rs({ iat: NOW }), 'auth_failed', 'unsupported-claims'],
    [
      'HS256',
      `${b64({ alg: 'HS256' })}.${b64({ iss: 'r', iat: NOW })}.x`,
      'auth_failed',
      'unsupported-signing-method',
    ],
    [
      'none',
      `${b64({ alg: 'none' })}.${b64({ iss: 'r', iat: NOW })}.`,
      'auth_failed',
      'unsupported-signing-method',
    ],
    [
      'alg naming an Object property',
      `${b64({ alg: '__proto__' })}.${b64({ iss: 'r', iat: NOW })}.x`,
      'auth_failed',
      'unsupported-signing-method',
    ],
    [
      'alg constructor',
      `${b64({ alg: 'constructor' })}.${b64({ iss: 'r', iat: NOW })}.x`,
      'auth_failed',
      'unsupported-signing-method',
    ],
    // An RSA signature claimed for the EC key's issuer.
    [
      'alg/key mismatch',
      jwt('RS256', { iss: 'e', iat: NOW }, rsa.privateKey, 'sha256'),
      'auth_failed',
      'unsupported-signing-method',
    ],
    ['tampered', `${rs({ iss: 'r', iat: NOW }).slice(0, -4)}AAAA`, 'auth_failed', 'auth-failed'],
    ['iat as text', rs({ iss: 'r', iat: 'now' }), 'auth_failed', 'auth-failed'],
    ['no iat', rs({ iss: 'r' }), 'token_expired', 'expired'],
    ['iat 6 min + leeway ago', rs({ iss: 'r', iat: NOW - 361 }), 'token_expired', 'expired'],
    ['exp passed', rs({ iss: 'r', iat: NOW, exp: NOW - 61 }), 'token_expired', 'expired'],
    ['iat ahead', rs({ iss: 'r', iat: NOW + 61 }), 'token_not_valid_yet', 'not-valid-yet'],
    [
      'nbf ahead',
      rs({ iss: 'r', iat: NOW, nbf: NOW + 61 }),
      'token_not_valid_yet',
      'not-valid-yet',
    ],
  ];
  for (const [what, token, error, reason] of cases) {
    const result = verifyProxyToken(token, keys, NOW);
    assert.ok(isRejection(result), what);
    assert.deepEqual(result, { error, reason }, what);
  }
  // Within the leeway.
  assert.ok(!isRejection(verifyProxyToken(rs({ iss: 'r', iat: NOW + 59 }), keys, NOW)));
  assert.ok(!isRejection(verifyProxyToken(rs({ iss: 'r', iat: NOW - 359 }), keys, NOW)));
  // Oversized tokens are refused before any parsing.
  assert.deepEqual(verifyProxyToken('a'.repeat(9000), keys, NOW), {
    error: 'auth_failed',
    reason: 'auth-failed',
  });
});
