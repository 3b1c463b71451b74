/** A fault the signaling backend endpoint can be told to produce. */
export type BackendFault =
  /** Answer with this HTTP status (and an optional body) instead of processing the request. */
  | { kind: 'status'; status: number; body?: string }
  /** Answer 200 with a body that is not an OCS envelope (default: an HTML error page). */
  | { kind: 'garbage'; body?: string }
  /** Wait this long, then process the request normally (unless another fault applies). */
  | { kind: 'delay'; ms: number };

/** Which requests a fault applies to. */
export interface FaultOptions {
  /** Only requests with this `type` (`auth`, `room`, `ping`, …); default all. */
  type?: string;
  /** Only the next N matching requests; default unlimited. */
  times?: number;
}

interface FaultRule {
  fault: BackendFault;
  type: string | undefined;
  remaining: number;
}

/** What to do with one request. */
export interface FaultPlan {
  /** Total delay before answering. */
  delayMs: number;
  /** A replacement answer, if any. */
  answer: Exclude<BackendFault, { kind: 'delay' }> | undefined;
}

/** Holds injected faults and decides which apply to a request. */
export class FaultInjector {
  readonly #rules: FaultRule[] = [];

  /** Adds a fault. */
  inject(fault: BackendFault, options: FaultOptions = {}): void {
    this.#rules.push({
      fault,
      type: options.type,
      remaining: options.times ?? Number.POSITIVE_INFINITY,
    });
  }

  /** Removes all faults. */
  clear(): void {
    this.#rules.length = 0;
  }

  /** Consumes the faults matching a request of `type`: delays add up, the first answer wins. */
  plan(type: string | undefined): FaultPlan {
    const plan: FaultPlan = { delayMs: 0, answer: undefined };
    for (const rule of this.#rules) {
      if (rule.remaining <= 0 || (rule.type !== undefined && rule.type !== type)) {
        continue;
      }
      if (rule.fault.kind === 'delay') {
        plan.delayMs += rule.fault.ms;
      } else if (plan.answer === undefined) {
        plan.answer = rule.fault;
      } else {
        continue;
      }
      rule.remaining--;
    }
    for (let i = this.#rules.length - 1; i >= 0; i--) {
      if ((this.#rules[i]?.remaining ?? 0) <= 0) {
        this.#rules.splice(i, 1);
      }
    }
    return plan;
  }
}
