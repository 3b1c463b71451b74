import {
  type Cipher,
  createCipheriv,
  createDecipheriv,
  createHash,
  type Decipher,
  timingSafeEqual,
} from 'node:crypto';
import { fillRandom } from '@spreed-ts/protocol';

/** AES block size: an id is one encrypted block. */
const BLOCK_BYTES = 16;
/** Fixed bytes every id's plaintext starts with, then the kind byte, then random bytes. */
const MAGIC = Buffer.from('spr1d', 'latin1');
const KIND_OFFSET = MAGIC.length;
const RANDOM_OFFSET = KIND_OFFSET + 1;
const RANDOM_BYTES = BLOCK_BYTES - RANDOM_OFFSET;
const ENCODED_LENGTH = Math.ceil((BLOCK_BYTES * 4) / 3);
const KINDS = { public: 0x50, private: 0x70 } as const;

type Kind = keyof typeof KINDS;

/**
 * Creates and checks session ids. A public id (how other clients address a session) and a private
 * id (the resume id, known only to the session's owner) are each one AES-256 block, encrypted with
 * a key derived from `[sessions] hashkey`, of a plaintext made of fixed bytes, the kind and 80
 * random bits. Nothing can be derived from one id about another, and a forged or corrupted id is
 * recognised without a lookup (its plaintext lacks the fixed bytes: a chance of 2^-48 per guess) —
 * which is what lets resume attempts with invented ids be throttled while merely expired ones are
 * not (upstream does the same). Servers of a cluster share the hashkey and so accept each other's
 * ids.
 *
 * Why a block cipher and not an HMAC tag: the cipher objects live as long as the codec (ECB mode
 * chains nothing between blocks), so an id costs one native call of under a microsecond, where a
 * fresh HMAC object per id cost about 4 µs and, under load, a visible share of each hello.
 */
export class SessionIdCodec {
  readonly #encrypt: Cipher;
  readonly #decrypt: Decipher;

  constructor(hashKey: string) {
    const key = createHash('sha256').update('spreed-ts session ids\0').update(hashKey).digest();
    this.#encrypt = createCipheriv('aes-256-ecb', key, null);
    this.#encrypt.setAutoPadding(false);
    this.#decrypt = createDecipheriv('aes-256-ecb', key, null);
    this.#decrypt.setAutoPadding(false);
  }

  #make(kind: Kind): string {
    const block = Buffer.allocUnsafe(BLOCK_BYTES);
    MAGIC.copy(block, 0);
    block[KIND_OFFSET] = KINDS[kind];
    fillRandom(block, RANDOM_OFFSET, RANDOM_BYTES);
    return this.#encrypt.update(block).toString('base64url');
  }

  #check(kind: Kind, id: string): boolean {
    if (id.length !== ENCODED_LENGTH) {
      return false;
    }
    const raw = Buffer.from(id, 'base64url');
    if (raw.length !== BLOCK_BYTES || raw.toString('base64url') !== id) {
      return false;
    }
    const plain = this.#decrypt.update(raw);
    const expected = Buffer.allocUnsafe(RANDOM_OFFSET);
    MAGIC.copy(expected, 0);
    expected[KIND_OFFSET] = KINDS[kind];
    return (
      plain.length === BLOCK_BYTES && timingSafeEqual(plain.subarray(0, RANDOM_OFFSET), expected)
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

  /** Whether `id` was made by this codec (or one with the same hashkey) as a public id. */
  isValidPublicId(id: string): boolean {
    return this.#check('public', id);
  }

  /** Whether `id` was made by this codec (or one with the same hashkey) as a private id. */
  isValidPrivateId(id: string): boolean {
    return this.#check('private', id);
  }
}
