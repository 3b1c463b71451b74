import { isIPv6 } from 'node:net';

/** Actions whose failures count towards brute-force protection (upstream's names). */
export type ThrottleAction = 'HelloResume' | 'HelloInternal' | 'BackendRoomAuth';

const KEEP_MS = 12 * 60 * 60_000;
const BLOCK_WINDOW_MS = 30 * 60_000;
const BLOCK_AFTER = 10;
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 25_000;

/** Outcome of a throttle check. */
export type ThrottleCheck =
  | { blocked: true }
  | {
      blocked: false;
      /** Records one failure and resolves after the penalty delay. */
      fail(): Promise<void>;
    };

/** Observer for metrics. */
export interface ThrottleObserver {
  delayed?(action: ThrottleAction, delayMs: number): void;
  blocked?(action: ThrottleAction): void;
}

/**
 * In-memory brute-force protection, as upstream: failures are counted per client address (IPv6 per
 * /64), each failure is answered after 100 ms doubling up to 25 s, and ten failures within 30
 * minutes block the address outright.
 */
export class Throttler {
  readonly #failures = new Map<string, number[]>();
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  observer: ThrottleObserver = {};

  constructor(
    now: () => number = Date.now,
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms).unref()),
  ) {
    this.#now = now;
    this.#sleep = sleep;
  }

  /** The key an address is counted under. */
  static keyFor(address: string): string {
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    if (!isIPv6(plain)) {
      return plain;
    }
    return expandIPv6(plain).slice(0, 4).join(':');
  }

  #recent(key: string, now: number): number[] {
    const list = (this.#failures.get(key) ?? []).filter((t) => now - t < KEEP_MS);
    if (list.length === 0) {
      this.#failures.delete(key);
    } else {
      this.#failures.set(key, list);
    }
    return list;
  }

  /** Checks `address` for `action`. */
  check(address: string, action: ThrottleAction): ThrottleCheck {
    const key = `${action}|${Throttler.keyFor(address)}`;
    const now = this.#now();
    const list = this.#recent(key, now);
    const tenth = list[list.length - BLOCK_AFTER];
    if (list.length >= BLOCK_AFTER && tenth !== undefined && now - tenth <= BLOCK_WINDOW_MS) {
      this.observer.blocked?.(action);
      return { blocked: true };
    }
    return {
      blocked: false,
      fail: () => {
        const at = this.#now();
        const updated = [...this.#recent(key, at), at];
        this.#failures.set(key, updated);
        const delay = Math.min(BASE_DELAY_MS * 2 ** (updated.length - 1), MAX_DELAY_MS);
        this.observer.delayed?.(action, delay);
        return this.#sleep(delay);
      },
    };
  }

  /** Drops entries older than the retention time (called by housekeeping). */
  prune(): void {
    const now = this.#now();
    for (const key of [...this.#failures.keys()]) {
      this.#recent(key, now);
    }
  }
}

function expandIPv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = address.includes('::')
    ? [...headParts, ...Array<string>(Math.max(missing, 0)).fill('0'), ...tailParts]
    : headParts;
  return parts.map((p) => (p.includes('.') ? p : p.toLowerCase().replace(/^0+(?=.)/, '')));
}
