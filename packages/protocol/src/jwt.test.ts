import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import {
  type HelloV2Claims,
  type JwtAlgorithm,
  parsePublicKey,
  signJwt,
  verifyJwt,
} from './jwt.js';

const opts = { leewaySeconds: 60, requireIat: true, nowSeconds: 1_700_000_000 };

function keys(alg: JwtAlgorithm) {
  if (alg === 'EdDSA') {
    return generateKeyPairSync('ed25519');
  }
  if (alg.startsWith('ES')) {
    const namedCurve = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }[
      alg as 'ES256'
    ];
    return generateKeyPairSync('ec', { namedCurve });
  }
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

for (const alg of ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const) {
  test(`jwt - ${alg} round trip, and a token signed by another key is refused`, () => {
    const { privateKey, publicKey } = keys(alg);
    const token = signJwt(
      { iss: 'https://nc/', iat: opts.nowSeconds, exp: opts.nowSeconds + 60, sub: 'u' },
      privateKey,
      alg,
    );
    const ok = verifyJwt(token, publicKey, opts);
    assert.equal(ok.ok, true);
    assert.equal(ok.ok && ok.claims.sub, 'u');
    const other = keys(alg);
    const bad = verifyJwt(token, other.publicKey, opts);
    assert.deepEqual(bad.ok ? null : bad.failure, 'bad_signature');
  });
}

test('jwt - the example token of the API document verifies with its example key (time ignored)', () => {
  const token =
    'eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL25leHRjbG91ZC1tYXN0ZXIubG9jYWwvIiwiaWF0IjoxNjU0ODQyMDgwLCJleHAiOjE2NTQ4NDIzODAsInN1YiI6ImFkbWluIiwidXNlcmRhdGEiOnsiZGlzcGxheW5hbWUiOiJBZG1pbmlzdHJhdG9yIn19.5rV0jh89_0fG2L-BUPtciu1q49PoYkLboj33EOdD0qQeYcvE7_di2r5WXM1WmKUCOGeX3hzn6qldDMrJBNuxvQ';
  const key = parsePublicKey(
    '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEIoCsNSCXyxK25zvSKRio0uiBzwub\nONq3tiGTPZo3p2Ogn6wAhhsuSxbFuUQDWMX7Tsu9fDzVdwpRHPT4y3V9cA==\n-----END PUBLIC KEY-----',
  );
  const result = verifyJwt(token, key, { ...opts, nowSeconds: 1654842100 });
  assert.equal(result.ok, true);
  assert.equal(result.ok && result.claims.sub, 'admin');
  const late = verifyJwt(token, key, { ...opts, nowSeconds: 1654842380 + 61 });
  assert.equal(late.ok ? null : late.failure, 'expired');
});

test('jwt - time claims: missing iat, future iat, expired, leeway', () => {
  const { privateKey, publicKey } = keys('ES256');
  const now = opts.nowSeconds;
  const check = (claims: HelloV2Claims) => {
    const r = verifyJwt(signJwt(claims, privateKey, 'ES256'), publicKey, opts);
    return r.ok ? 'ok' : r.failure;
  };
  assert.equal(check({ exp: now + 60 }), 'missing_iat');
  assert.equal(check({ iat: now + 61, exp: now + 120 }), 'not_valid_yet');
  assert.equal(check({ iat: now + 59, exp: now + 120 }), 'ok');
  assert.equal(check({ iat: now - 200, exp: now - 61 }), 'expired');
  assert.equal(check({ iat: now - 200, exp: now - 59 }), 'ok');
  assert.equal(check({ iat: 'yesterday' as unknown as number }), 'malformed');
});

test('jwt - raw base64 Ed25519 public keys are accepted; malformed tokens are refused', () => {
  const { privateKey, publicKey } = keys('EdDSA');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  const token = signJwt({ iat: opts.nowSeconds }, privateKey, 'EdDSA');
  assert.equal(verifyJwt(token, parsePublicKey(raw), opts).ok, true);
  for (const bad of ['', 'a.b', 'a.b.c', `${token}.x`, 'e30.e30.', 'bnVsbA.e30.sig']) {
    const r = verifyJwt(bad, publicKey, opts);
    assert.equal(r.ok, false, bad);
  }
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`;
  const r = verifyJwt(none, publicKey, opts);
  assert.equal(r.ok ? null : r.failure, 'unsupported_algorithm');
});
