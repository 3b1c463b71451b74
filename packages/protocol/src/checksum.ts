import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Header carrying the random string of a backend request. */
export const HEADER_RANDOM = 'spreed-signaling-random';
/** Header carrying the HMAC-SHA256 checksum of a backend request. */
export const HEADER_CHECKSUM = 'spreed-signaling-checksum';
/** Header naming the Nextcloud base URL that sends a backend request. */
export const HEADER_BACKEND = 'spreed-signaling-backend';
/** Header listing the server's feature ids, comma separated. */
export const HEADER_FEATURES = 'x-spreed-signaling-features';

/**
 * The checksum both sides put on backend requests: hex HMAC-SHA256 over the random string followed
 * by the body, keyed with the shared secret.
 */
export function calculateChecksum(
  random: string,
  body: string | Uint8Array,
  secret: string,
): string {
  const mac = createHmac('sha256', secret);
  mac.update(random);
  mac.update(body);
  return mac.digest('hex');
}

/** Checks a checksum in constant time. */
export function validateChecksum(
  random: string,
  body: string | Uint8Array,
  secret: string,
  checksum: string,
): boolean {
  const expected = Buffer.from(calculateChecksum(random, body, secret), 'latin1');
  const given = Buffer.from(checksum.toLowerCase(), 'latin1');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A random hex string of `bytes` random bytes (so `2 * bytes` characters). */
export function randomHex(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}

/** Headers for a backend request signed with `secret`. */
export function signedHeaders(body: string, secret: string): Record<string, string> {
  const random = randomHex(32);
  return {
    'Spreed-Signaling-Random': random,
    'Spreed-Signaling-Checksum': calculateChecksum(random, body, secret),
  };
}

/** The token an internal client sends: hex HMAC-SHA256 of `random` keyed with the internal secret. */
export function internalClientToken(random: string, secret: string): string {
  return createHmac('sha256', secret).update(random).digest('hex');
}
