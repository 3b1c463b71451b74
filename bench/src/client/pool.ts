import { LatencyRecorder } from '../stats/latency.js';
import { BenchClient, nowMicros } from './bench-client.js';

/** Options of {@link openSessions}. */
export interface OpenSessionsOptions {
  wsUrl: string;
  helloUrl: string;
  count: number;
  /** Connections in flight (WebSocket upgrade + hello) at once. */
  concurrency: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Absolute `Date.now()` after which no new session is started. */
  deadline: number;
  /** User ids are `${userPrefix}${index}`. */
  userPrefix: string;
  /** Stop after this many failures (a broken server should not keep the bench busy). */
  maxFailures?: number;
}

/** What {@link openSessions} achieved. */
export interface OpenSessionsResult {
  clients: BenchClient[];
  failures: number;
  firstError: string | undefined;
  /** Upgrade request to `open`. */
  connectLatency: LatencyRecorder;
  /** hello sent to hello response. */
  helloLatency: LatencyRecorder;
  /** Upgrade request to hello response: how long a client waits for its session. */
  sessionLatency: LatencyRecorder;
  /** Wall seconds from the first connect to the last hello response. */
  wallSeconds: number;
}

/**
 * Opens `count` authenticated sessions, `concurrency` at a time (closed loop: a slot starts the next
 * connection when its previous one is authenticated). Bounded by count, deadline and failures.
 */
export async function openSessions(options: OpenSessionsOptions): Promise<OpenSessionsResult> {
  const result: OpenSessionsResult = {
    clients: [],
    failures: 0,
    firstError: undefined,
    connectLatency: new LatencyRecorder(),
    helloLatency: new LatencyRecorder(),
    sessionLatency: new LatencyRecorder(),
    wallSeconds: 0,
  };
  const maxFailures = options.maxFailures ?? Math.max(10, Math.ceil(options.count / 100));
  let next = 0;
  const started = performance.now();
  const slot = async () => {
    while (next < options.count && Date.now() < options.deadline && result.failures < maxFailures) {
      const index = next++;
      let client: BenchClient | undefined;
      try {
        const t0 = nowMicros();
        client = await BenchClient.connect(options.wsUrl, options.timeoutMs);
        const t1 = nowMicros();
        await client.hello(options.helloUrl, `${options.userPrefix}${index}`, options.timeoutMs);
        const t2 = nowMicros();
        result.helloLatency.add(t2 - t1);
        result.connectLatency.add(t1 - t0);
        result.sessionLatency.add(t2 - t0);
        result.clients.push(client);
      } catch (err) {
        client?.terminate();
        result.failures++;
        result.firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, slot));
  result.wallSeconds = (performance.now() - started) / 1000;
  return result;
}

/** Runs `task` for every item, `concurrency` at a time; counts failures instead of throwing. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<{ failures: number; firstError: string | undefined }> {
  let next = 0;
  let failures = 0;
  let firstError: string | undefined;
  const slot = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        await task(items[index] as T, index);
      } catch (err) {
        failures++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, slot));
  return { failures, firstError };
}

/** Drops every connection (no close handshake, so the server sees them go at once). */
export function closeAll(clients: readonly BenchClient[]): void {
  for (const client of clients) {
    client.terminate();
  }
}
