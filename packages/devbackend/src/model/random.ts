import { createHash, randomInt } from 'node:crypto';

/** Nextcloud's default `ISecureRandom` alphabet (base64 characters). */
export const DEFAULT_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Nextcloud's `ISecureRandom::CHAR_HUMAN_READABLE`, used for conversation tokens. */
export const HUMAN_READABLE_CHARS = 'abcdefgijkmnopqrstwxyzABCDEFGHJKLMNPQRSTWXYZ23456789';
/** Letters and digits only. */
export const ALPHANUMERIC_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random string of `length` characters drawn uniformly from `chars`. */
export function randomString(length: number, chars: string = DEFAULT_CHARS): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += chars[randomInt(chars.length)];
  }
  return out;
}

/** Hex SHA-1, as PHP's `sha1()`. */
export function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Current time in whole seconds since the epoch. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
