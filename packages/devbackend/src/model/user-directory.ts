import { ModelError } from './model-error.js';
import { randomString } from './random.js';
import type { DevUser } from './types.js';

/** Options for {@link UserDirectory.add}. */
export interface AddUserOptions {
  /** Defaults to the user id. */
  displayName?: string;
  /** A password accepted for Basic auth; one is generated when omitted. */
  appPassword?: string;
}

/** The Nextcloud users the development backend knows. */
export class UserDirectory {
  readonly #users = new Map<string, DevUser>();

  /** Adds (or replaces) a user and returns it. */
  add(id: string, options: AddUserOptions = {}): DevUser {
    if (id === '') {
      throw new TypeError('user id must not be empty');
    }
    const user: DevUser = {
      id,
      displayName: options.displayName ?? id,
      appPasswords: new Set([options.appPassword ?? randomString(72)]),
      ticketSecret: undefined,
    };
    this.#users.set(id, user);
    return user;
  }

  /** The user with this id, if any. */
  get(id: string): DevUser | undefined {
    return this.#users.get(id);
  }

  /** The user with this id; throws when unknown. */
  require(id: string): DevUser {
    const user = this.#users.get(id);
    if (user === undefined) {
      throw new ModelError('participant_not_found', `no user ${id}`);
    }
    return user;
  }

  /** Checks Basic auth credentials; returns the user on success. */
  authenticate(id: string, password: string): DevUser | undefined {
    const user = this.#users.get(id);
    return user?.appPasswords.has(password) ? user : undefined;
  }

  /** All users. */
  all(): DevUser[] {
    return [...this.#users.values()];
  }
}
