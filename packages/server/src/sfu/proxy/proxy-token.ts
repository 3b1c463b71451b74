import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signJwt } from '@spreed-ts/protocol';

/**
 * Signs the tokens a signaling server shows proxies: RS256 JWTs with `iss` = `[mcu] token_id` and
 * `iat` = now (what upstream sends; the proxy looks the public key up by `iss` and refuses tokens
 * whose `iat` is too old), with `sub` for tokens naming a publisher.
 */
export class ProxyTokenSigner {
  readonly tokenId: string;
  readonly #key: KeyObject;

  constructor(tokenId: string, key: KeyObject) {
    if (key.asymmetricKeyType !== 'rsa') {
      throw new Error(`token key must be an RSA private key, not ${key.asymmetricKeyType}`);
    }
    this.tokenId = tokenId;
    this.#key = key;
  }

  /** Reads `[mcu] token_key`; the error names the file and what is wrong with it. */
  static fromFile(tokenId: string, path: string): ProxyTokenSigner {
    let pem: string;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`could not read private key from ${path}: ${(err as Error).message}`);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (err) {
      throw new Error(`could not parse private key from ${path}: ${(err as Error).message}`);
    }
    return new ProxyTokenSigner(tokenId, key);
  }

  /** A fresh token (`subject`: a publisher's session id, for remote subscriptions). */
  token(subject = ''): string {
    const claims: Record<string, unknown> = {
      iat: Math.floor(Date.now() / 1000),
      iss: this.tokenId,
    };
    if (subject !== '') {
      claims.sub = subject;
    }
    return signJwt(claims, this.#key, 'RS256');
  }
}
