import { type BenchClient, getClientMode, nowMicros } from '../client/bench-client.js';
import { closeAll, openSessions } from '../client/pool.js';
import { DeliveryStats, measureSaturation, runFixedRate } from './load-driver.js';
import { MESSAGE_SUFFIX, pairPrefixes, shapeLabel } from './payload.js';
import { cpuFields, higher, latencyMetrics, lower, type Scenario } from './scenario.js';

/**
 * Scenario 2, 1:1 messages (and scenario 6 from the same window): pairs of sessions send `message`
 * frames with a session recipient to each other. Saturation phase: every sender keeps `window`
 * messages in flight; delivered/s, latency under load and server CPU-seconds per 100k deliveries.
 * Latency phase: an open-loop rate both servers can carry.
 */
export const messagesScenario: Scenario = {
  number: 2,
  id: 'messages',
  title: '1:1 messages (session recipient)',
  requires: ['hello', 'sessionMessage'],
  async run({ server, backend, profile, meter }) {
    const options = profile.messages;
    const opened = await openSessions({
      wsUrl: server.wsUrl,
      helloUrl: backend.helloUrl,
      count: options.pairs * 2,
      concurrency: 32,
      timeoutMs: 10_000,
      deadline: Date.now() + 20_000,
      userPrefix: 'msg-',
    });
    const clients = opened.clients;
    try {
      if (clients.length < options.pairs * 2) {
        throw new Error(`only ${clients.length} sessions: ${opened.firstError}`);
      }
      const stats = new DeliveryStats();
      const prefixes = pairPrefixes(clients, profile.payload);
      const outstanding = new Int32Array(clients.length);
      let saturating = true;
      let sent = 0;
      const pump = (i: number) => {
        const client = clients[i] as BenchClient;
        const prefix = prefixes[i] as string;
        while (saturating && outstanding[i]! < options.window && sent < options.maxMessages) {
          client.send(prefix + nowMicros() + MESSAGE_SUFFIX);
          outstanding[i]!++;
          stats.inFlight++;
          sent++;
        }
      };
      clients.forEach((client, i) => {
        const sender = i ^ 1;
        client.onMessage = (stamp) => {
          stats.record(stamp, nowMicros());
          if (outstanding[sender]! > 0) {
            outstanding[sender]!--;
          }
          if (saturating) {
            pump(sender);
          }
        };
      });
      for (let i = 0; i < clients.length; i++) {
        pump(i);
      }
      const sat = await measureSaturation({
        stats,
        meter: meter(),
        warmupS: options.warmupS,
        durationS: options.durationS,
        maxDeliveries: options.maxMessages,
        stop: () => {
          saturating = false;
        },
      });
      outstanding.fill(0);
      let next = 0;
      const fixed = await runFixedRate({
        stats,
        rate: options.fixedRate,
        durationS: options.fixedDurationS,
        deliveriesPerSend: 1,
        send: () => {
          const i = next++ % clients.length;
          (clients[i] as BenchClient).send(`${prefixes[i]}${nowMicros()}${MESSAGE_SUFFIX}`);
        },
      });
      const notes = [
        `${options.pairs} pairs, ${options.window} in flight per sender, ${shapeLabel(profile.payload)}, ${getClientMode()} client`,
      ];
      if (sat.stalled) {
        notes.push('saturation phase stalled (deliveries stopped)');
      }
      if (fixed.skipped > 0) {
        notes.push(`${options.fixedRate}/s not sustained: ${fixed.skipped} sends skipped`);
      }
      return {
        metrics: [
          higher('rate', 'delivered/s (saturation)', '/s', sat.delivered / sat.wallSeconds),
          ...latencyMetrics('sat', 'latency under saturation', sat.latency),
          ...latencyMetrics('fixed', `latency at ${options.fixedRate}/s`, fixed.latency),
          lower(
            'cpu100k',
            'server CPU-s per 100k delivered (scenario 6)',
            's',
            sat.delivered > 0 ? (sat.serverCpuSeconds / sat.delivered) * 100_000 : undefined,
          ),
          lower(
            'core100k',
            'core 0 busy-s per 100k delivered, incl. softirq (scenario 6)',
            's',
            sat.delivered > 0
              ? ((sat.cpu.serverCoreBusy * sat.cpu.wall) / sat.delivered) * 100_000
              : undefined,
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
