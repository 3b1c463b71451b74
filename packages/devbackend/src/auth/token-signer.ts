import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { type HelloV2Claims, signJwt } from '@spreed-ts/protocol';

/** The algorithms Talk can sign hello v2 tokens with (Talk app config `signaling_token_alg`). */
export type TalkJwtAlgorithm = 'ES256' | 'ES384' | 'RS256' | 'RS384' | 'RS512' | 'EdDSA';

function generatePrivateKey(alg: TalkJwtAlgorithm): KeyObject {
  if (alg === 'EdDSA') {
    return generateKeyPairSync('ed25519').privateKey;
  }
  if (alg.startsWith('ES')) {
    const namedCurve = alg === 'ES256' ? 'prime256v1' : 'secp384r1';
    return generateKeyPairSync('ec', { namedCurve }).privateKey;
  }
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

/**
 * Signs hello v2 tokens and publishes the matching public key the way Talk does: a PEM
 * SubjectPublicKeyInfo for RSA and EC keys, the raw 32-byte Ed25519 key in base64 for EdDSA.
 */
export class TokenSigner {
  readonly algorithm: TalkJwtAlgorithm;
  readonly #privateKey: KeyObject;
  readonly #publicKeyText: string;

  /** Generates a key for `algorithm` unless a private key (PEM) is given. */
  constructor(algorithm: TalkJwtAlgorithm, privateKeyPem?: string) {
    this.algorithm = algorithm;
    this.#privateKey =
      privateKeyPem === undefined ? generatePrivateKey(algorithm) : createPrivateKey(privateKeyPem);
    const publicKey = createPublicKey(this.#privateKey);
    if (algorithm === 'EdDSA') {
      const jwk = publicKey.export({ format: 'jwk' });
      this.#publicKeyText = Buffer.from(String(jwk.x), 'base64url').toString('base64');
    } else {
      this.#publicKeyText = String(publicKey.export({ format: 'pem', type: 'spki' }));
    }
  }

  /** The key as published in `config.signaling.hello-v2-token-key`. */
  get publicKey(): string {
    return this.#publicKeyText;
  }

  /** The private key as PKCS#8 PEM (to restart with the same key). */
  get privateKeyPem(): string {
    return String(this.#privateKey.export({ format: 'pem', type: 'pkcs8' }));
  }

  /** Signs arbitrary claims. */
  sign(claims: HelloV2Claims): string {
    return signJwt(claims, this.#privateKey, this.algorithm);
  }
}
