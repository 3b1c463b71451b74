import { createHmac, timingSafeEqual } from 'node:crypto';
import { fillRandom } from '@spreed-ts/protocol';

const RANDOM_BYTES = 16;
const TAG_BYTES = 10;
const ENCODED_LENGTH = Math.ceil(((RANDOM_BYTES + TAG_BYTES) * 4) / 3);

/**
 * Creates and checks session ids. A public id (how other clients address a session) and a private
 * id (the resume id, known only to the session's owner) are independent random values, each with a
 * truncated HMAC tag keyed by `[sessions] hashkey`. Nothing can be derived from one about the other,
 * and a forged or corrupted id is recognised without a lookup — which is what lets resume attempts
 * with invented ids be throttled while merely expired ones are not (upstream does the same).
 */
export class SessionIdCodec {
  readonly #key: Buffer;

  constructor(hashKey: string) {
    this.#key = Buffer.from(hashKey, 'utf8');
  }

  #tag(kind: 'public' | 'private', random: Buffer): Buffer {
    return createHmac('sha256', this.#key)
      .update(kind)
      .update(random)
      .digest()
      .subarray(0, TAG_BYTES);
  }

  #make(kind: 'public' | 'private'): string {
    const raw = Buffer.allocUnsafe(RANDOM_BYTES + TAG_BYTES);
    fillRandom(raw, 0, RANDOM_BYTES);
    this.#tag(kind, raw.subarray(0, RANDOM_BYTES)).copy(raw, RANDOM_BYTES);
    return raw.toString('base64url');
  }

  #check(kind: 'public' | 'private', id: string): boolean {
    if (id.length !== ENCODED_LENGTH) {
      return false;
    }
    const raw = Buffer.from(id, 'base64url');
    if (raw.length !== RANDOM_BYTES + TAG_BYTES || raw.toString('base64url') !== id) {
      return false;
    }
    return timingSafeEqual(
      raw.subarray(RANDOM_BYTES),
      this.#tag(kind, raw.subarray(0, RANDOM_BYTES)),
    );
  }

  /** A new public session id. */
  newPublicId(): string {
    return this.#make('public');
  }

  /** A new private (resume) id. */
  newPrivateId(): string {
    return this.#make('private');
  }

  /** Whether `id` was made by this codec as a public id. */
  isValidPublicId(id: string): boolean {
    return this.#check('public', id);
  }

  /** Whether `id` was made by this codec as a private id. */
  isValidPrivateId(id: string): boolean {
    return this.#check('private', id);
  }
}
