import { setTimeout as delay } from 'node:timers/promises';
import { type BenchClient, nowMicros } from '../client/bench-client.js';
import { closeAll, forEachLimited, openSessions } from '../client/pool.js';
import { DeliveryStats, measureSaturation, runFixedRate } from './load-driver.js';
import { MESSAGE_SUFFIX, messagePrefix } from './payload.js';
import { cpuFields, higher, latencyMetrics, lower, type Scenario } from './scenario.js';

/** Opens `count` sessions and joins them all to `roomId`; returns the joined clients. */
export async function roomOfClients(options: {
  wsUrl: string;
  helloUrl: string;
  count: number;
  roomId: string;
  userPrefix: string;
}): Promise<{ clients: BenchClient[]; joinSeconds: number; error: string | undefined }> {
  const opened = await openSessions({
    wsUrl: options.wsUrl,
    helloUrl: options.helloUrl,
    count: options.count,
    concurrency: 32,
    timeoutMs: 10_000,
    deadline: Date.now() + 20_000,
    userPrefix: options.userPrefix,
  });
  const started = performance.now();
  const joined = await forEachLimited(opened.clients, 16, (client, i) =>
    client.join(options.roomId, `${options.userPrefix}${i}`, 10_000),
  );
  const joinSeconds = (performance.now() - started) / 1000;
  await eventsSettled(opened.clients, 5000);
  const error =
    opened.clients.length < options.count
      ? `only ${opened.clients.length} sessions: ${opened.firstError}`
      : joined.failures > 0
        ? `${joined.failures} joins failed: ${joined.firstError}`
        : undefined;
  return { clients: opened.clients, joinSeconds, error };
}

/** Waits until no client received an event for 300 ms (the join storm is over), at most `ms`. */
async function eventsSettled(clients: readonly BenchClient[], ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  const total = () => clients.reduce((sum, c) => sum + c.events, 0);
  let last = total();
  while (performance.now() < deadline) {
    await delay(300);
    const now = total();
    if (now === last) {
      return;
    }
    last = now;
  }
}

/**
 * Scenario 3, room fan-out (and scenario 6 from the same window): one sender, a room of N; every
 * room message reaches N-1 receivers. Saturation with a bounded number of messages in flight,
 * then an open-loop rate for latency.
 */
export const fanoutScenario: Scenario = {
  number: 3,
  id: 'fanout',
  title: 'room fan-out (one sender)',
  requires: ['hello', 'roomJoin', 'roomMessage'],
  async run({ server, backend, profile, meter }) {
    const options = profile.fanout;
    const room = await roomOfClients({
      wsUrl: server.wsUrl,
      helloUrl: backend.helloUrl,
      count: options.roomSize,
      roomId: 'bench-fanout',
      userPrefix: 'fan-',
    });
    const clients = room.clients;
    try {
      if (room.error !== undefined) {
        throw new Error(room.error);
      }
      const [sender, ...receivers] = clients as [BenchClient, ...BenchClient[]];
      const fanout = receivers.length;
      const prefix = messagePrefix({ type: 'room' }, profile.payload);
      const stats = new DeliveryStats();
      const maxInFlight = options.window * fanout;
      let saturating = true;
      let sent = 0;
      const pump = () => {
        while (saturating && stats.inFlight + fanout <= maxInFlight && sent < options.maxMessages) {
          sender.send(prefix + nowMicros() + MESSAGE_SUFFIX);
          stats.inFlight += fanout;
          sent++;
        }
      };
      for (const receiver of receivers) {
        receiver.onMessage = (stamp) => {
          stats.record(stamp, nowMicros());
          if (saturating) {
            pump();
          }
        };
      }
      pump();
      const sat = await measureSaturation({
        stats,
        meter: meter(),
        warmupS: options.warmupS,
        durationS: options.durationS,
        maxDeliveries: options.maxMessages * fanout,
        stop: () => {
          saturating = false;
        },
      });
      const fixed = await runFixedRate({
        stats,
        rate: options.fixedRate,
        durationS: options.fixedDurationS,
        deliveriesPerSend: fanout,
        send: () => sender.send(prefix + nowMicros() + MESSAGE_SUFFIX),
      });
      const notes = [
        `room of ${options.roomSize}, ${options.window} messages in flight, joins took ${room.joinSeconds.toFixed(2)} s`,
      ];
      if (sat.stalled) {
        notes.push('saturation phase stalled (deliveries stopped)');
      }
      if (fixed.skipped > 0) {
        notes.push(`${options.fixedRate} msg/s not sustained: ${fixed.skipped} sends skipped`);
      }
      return {
        metrics: [
          higher(
            'rate',
            `deliveries/s (room of ${options.roomSize})`,
            '/s',
            sat.delivered / sat.wallSeconds,
          ),
          ...latencyMetrics('sat', 'latency under saturation', sat.latency),
          ...latencyMetrics(
            'fixed',
            `latency at ${options.fixedRate} msg/s (${options.fixedRate * fanout} deliveries/s)`,
            fixed.latency,
          ),
          lower(
            'cpu100k',
            'server CPU-s per 100k deliveries (scenario 6)',
            's',
            sat.delivered > 0 ? (sat.serverCpuSeconds / sat.delivered) * 100_000 : undefined,
          ),
          lower(
            'core100k',
            'core 0 busy-s per 100k deliveries, incl. softirq (scenario 6)',
            's',
            sat.delivered > 0
              ? ((sat.cpu.serverCoreBusy * sat.cpu.wall) / sat.delivered) * 100_000
              : undefined,
          ),
          lower(
            'join',
            `time to join ${options.roomSize} sessions (16 at once)`,
            's',
            room.joinSeconds,
          ),
        ],
        ...cpuFields(sat.cpu),
        notes,
      };
    } finally {
      closeAll(clients);
    }
  },
};
