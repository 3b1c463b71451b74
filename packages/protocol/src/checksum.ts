import {
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';

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
  const mac = createHmac('sha256', secretKey(secret));
  if (typeof body === 'string') {
    // One update of the concatenation: the same bytes, one call into the native code less.
    mac.update(random + body);
  } else {
    mac.update(random);
    mac.update(body);
  }
  return mac.digest('hex');
}

/**
 * Secrets as key objects: an HMAC keyed with a `KeyObject` skips converting and importing the key
 * each time (2.6 instead of 4.2 µs per checksum). A server knows a handful of secrets; the cache
 * is emptied should it ever hold more than {@link MAX_CACHED_SECRETS}.
 */
const secretKeys = new Map<string, KeyObject>();
const MAX_CACHED_SECRETS = 64;

function secretKey(secret: string): KeyObject {
  let key = secretKeys.get(secret);
  if (key === undefined) {
    if (secretKeys.size >= MAX_CACHED_SECRETS) {
      secretKeys.clear();
    }
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    secretKeys.set(secret, key);
  }
  return key;
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

/**
 * Random bytes filled in bulk; each byte is handed out once, from `randomOffset` on. Created on
 * first use: this module is also bundled for browsers, where nothing may run at load time.
 */
let randomPool: Buffer | undefined;
let randomOffset = 0;
const RANDOM_POOL_BYTES = 4096;
/** Requests larger than this bypass the pool. */
const RANDOM_POOL_MAX_TAKE = 256;

/**
 * A random hex string of `bytes` random bytes (so `2 * bytes` characters). Small requests are cut
 * from a pooled buffer refilled with `randomFillSync` (CSPRNG output, every byte used once),
 * which is much cheaper than one `randomBytes` call each.
 */
export function randomHex(bytes = 32): string {
  if (!(Number.isInteger(bytes) && bytes >= 0 && bytes <= RANDOM_POOL_MAX_TAKE)) {
    return randomBytes(bytes).toString('hex');
  }
  const [pool, start] = takeRandom(bytes);
  return pool.toString('hex', start, start + bytes);
}

/**
 * Fills `target[offset, offset + length)` with random bytes, cut from the same pool as
 * {@link randomHex} when small (a `randomBytes` call costs several microseconds; a copy does not).
 */
export function fillRandom(target: Uint8Array, offset = 0, length = target.length - offset): void {
  if (!(offset >= 0 && length >= 0 && offset + length <= target.length)) {
    throw new RangeError(`range [${offset}, ${offset + length}) is outside the target`);
  }
  if (!(Number.isInteger(length) && length >= 0 && length <= RANDOM_POOL_MAX_TAKE)) {
    randomFillSync(target, offset, length);
    return;
  }
  const [pool, start] = takeRandom(length);
  pool.copy(target, offset, start, start + length);
}

/** Reserves `bytes` unused bytes of the pool (refilling it first when too few are left). */
function takeRandom(bytes: number): [pool: Buffer, start: number] {
  if (randomPool === undefined || randomOffset + bytes > randomPool.length) {
    randomPool ??= Buffer.allocUnsafeSlow(RANDOM_POOL_BYTES);
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const start = randomOffset;
  randomOffset += bytes;
  return [randomPool, start];
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
