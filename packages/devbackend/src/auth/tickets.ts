import { createHmac, timingSafeEqual } from 'node:crypto';
import { nowSeconds, randomString } from '../model/random.js';
import type { UserDirectory } from '../model/user-directory.js';

/** Length of Talk's lazily created ticket secrets. */
const SECRET_LENGTH = 255;

/**
 * Hello v1 tickets as Talk issues them (Talk `Config::getSignalingTicketV1`):
 * `random16:timestamp:userid:hmac`, where the hex HMAC-SHA256 covers `random16:timestamp:userid`.
 * Users sign with a per-user secret, guests (empty user id) with an instance-wide one. The
 * timestamp is never checked.
 */
export class TicketIssuer {
  readonly #users: UserDirectory;
  #guestSecret: string | undefined;

  constructor(users: UserDirectory) {
    this.#users = users;
  }

  /** A fresh ticket for a user, or for guests with `null`/`''`. */
  ticketFor(userId: string | null, now = nowSeconds()): string {
    const secret = this.#secretFor(userId, true);
    if (secret === undefined) {
      throw new TypeError(`unknown user ${String(userId)}`);
    }
    const data = `${randomString(16)}:${now}:${userId ?? ''}`;
    return `${data}:${hmacHex(data, secret)}`;
  }

  /** Whether `ticket` was issued for `userId` (Talk `Config::validateSignalingTicket`). */
  validate(userId: string | null | undefined, ticket: string): boolean {
    const secret = this.#secretFor(userId ?? null, false);
    if (secret === undefined) {
      return false;
    }
    const lastColon = ticket.lastIndexOf(':');
    if (lastColon === -1) {
      return false;
    }
    const expected = Buffer.from(hmacHex(ticket.slice(0, lastColon), secret), 'latin1');
    const given = Buffer.from(ticket.slice(lastColon + 1), 'latin1');
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  #secretFor(userId: string | null, create: boolean): string | undefined {
    if (userId === null || userId === '') {
      if (this.#guestSecret === undefined && create) {
        this.#guestSecret = randomString(SECRET_LENGTH);
      }
      return this.#guestSecret;
    }
    const user = this.#users.get(userId);
    if (user === undefined) {
      return undefined;
    }
    if (user.ticketSecret === undefined && create) {
      user.ticketSecret = randomString(SECRET_LENGTH);
    }
    return user.ticketSecret;
  }
}

function hmacHex(data: string, secret: string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}
