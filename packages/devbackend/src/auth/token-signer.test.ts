import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePublicKey, verifyJwt } from '@spreed-ts/protocol';
import { type TalkJwtAlgorithm, TokenSigner } from './token-signer.js';

const now = 1_700_000_000;

for (const alg of ['ES256', 'RS256', 'EdDSA'] as const satisfies TalkJwtAlgorithm[]) {
  test(`token signer - ${alg} tokens verify with the published key`, () => {
    const signer = new TokenSigner(alg);
    const token = signer.sign({ iss: 'http://nc/', iat: now, exp: now + 60, sub: 'alice' });
    const result = verifyJwt(token, parsePublicKey(signer.publicKey), {
      leewaySeconds: 60,
      requireIat: true,
      nowSeconds: now,
    });
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.algorithm, alg);
  });
}

test('token signer - EdDSA publishes the raw key in base64, others a PEM key', () => {
  const ed = new TokenSigner('EdDSA');
  assert.equal(Buffer.from(ed.publicKey, 'base64').length, 32);
  assert.match(new TokenSigner('ES256').publicKey, /^-----BEGIN PUBLIC KEY-----/);
});

test('token signer - a given private key is reused', () => {
  const first = new TokenSigner('ES256');
  const second = new TokenSigner('ES256', first.privateKeyPem);
  assert.equal(second.publicKey, first.publicKey);
});
