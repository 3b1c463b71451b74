import { createHmac, randomBytes } from 'node:crypto';

/** How long credentials are valid; upstream hard-codes 24 hours. */
export const TURN_CREDENTIALS_TTL_SECONDS = 24 * 60 * 60;
/** Length of the user name made up when the request carries none (upstream: 32). */
const RANDOM_USERNAME_LENGTH = 32;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The JSON body of `GET /turn/credentials` (draft-uberti-behave-turn-rest). */
export interface TurnCredentials {
  username: string;
  password: string;
  ttl: number;
  uris: string[];
}

/** A random user name from the base32 alphabet, like Go's `crypto/rand.Text`. */
export function randomTurnUsername(): string {
  const bytes = randomBytes(RANDOM_USERNAME_LENGTH);
  let text = '';
  for (const byte of bytes) {
    text += BASE32[byte & 31];
  }
  return text;
}

/**
 * Time-limited TURN REST credentials: the user name is `<expiry unix seconds>:<username>`, the
 * password the base64 HMAC-SHA1 of that user name under the shared TURN secret (what coturn's
 * `use-auth-secret` checks).
 */
export function turnCredentials(
  username: string,
  secret: string,
  servers: readonly string[],
  nowMs: number = Date.now(),
): TurnCredentials {
  const expires = Math.floor(nowMs / 1000) + TURN_CREDENTIALS_TTL_SECONDS;
  const user = `${expires}:${username}`;
  const password = createHmac('sha1', secret).update(user).digest('base64');
  return { username: user, password, ttl: TURN_CREDENTIALS_TTL_SECONDS, uris: [...servers] };
}
