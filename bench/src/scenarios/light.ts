import { type BenchClient, getClientMode, nowMicros } from '../client/bench-client.js';
import { closeAll, openSessions } from '../client/pool.js';
import { DeliveryStats, runFixedRate } from './load-driver.js';
import { MESSAGE_SUFFIX, pairPrefixes, shapeLabel } from './payload.js';
import { cpuFields, latencyMetrics, lower, type Metric, type Scenario } from './scenario.js';

/**
 * Scenario 9, light 1:1 traffic as real calls make it: many sessions, each sending a few messages a
 * second to its peer (candidates, offers, answers), every message its own frame and its own read
 * on the server. Open loop at fixed total rates; the figures are server CPU per 100k messages and
 * latency at each rate. Per-read and per-frame costs, which saturation with a window hides (frames
 * queue in the kernel and arrive several per read), show here.
 */
export const lightScenario: Scenario = {
  number: 9,
  id: 'light',
  title: 'light 1:1 traffic at fixed rates (many sessions)',
  requires: ['hello', 'sessionMessage'],
  async run({ server, backend, profile, meter }) {
    const options = profile.light;
    const opened = await openSessions({
      wsUrl: server.wsUrl,
      helloUrl: backend.helloUrl,
      count: options.sessions,
      concurrency: 64,
      timeoutMs: 10_000,
      deadline: Date.now() + 30_000,
      userPrefix: 'light-',
    });
    const clients = opened.clients;
    try {
      if (clients.length < options.sessions) {
        throw new Error(`only ${clients.length} sessions: ${opened.firstError}`);
      }
      const stats = new DeliveryStats();
      const prefixes = pairPrefixes(clients, profile.payload);
      for (const client of clients) {
        client.onMessage = (stamp) => stats.record(stamp, nowMicros());
      }
      const metrics: Metric[] = [];
      const notes = [
        `${clients.length} sessions in pairs, ${shapeLabel(profile.payload)}, ${getClientMode()} client`,
      ];
      let cpuOfLast: ReturnType<ReturnType<typeof meter>['read']> | undefined;
      let next = 0;
      const send = () => {
        // Round robin: each session sends rate/sessions messages a second.
        const i = next++ % clients.length;
        (clients[i] as BenchClient).send(`${prefixes[i]}${nowMicros()}${MESSAGE_SUFFIX}`);
      };
      for (const rate of options.rates) {
        // Unmeasured warm-up at the same rate: steady state is what a server running for days
        // shows (our JIT compiles the message path during the first messages; Go has no JIT).
        await runFixedRate({ stats, rate, durationS: options.warmupS, deliveriesPerSend: 1, send });
        const window = meter();
        window.start();
        const fixed = await runFixedRate({
          stats,
          rate,
          durationS: options.durationS,
          deliveriesPerSend: 1,
          send,
        });
        const cpu = window.read();
        cpuOfLast = cpu;
        metrics.push(
          lower(
            `cpu100k@${rate}`,
            `server CPU-s per 100k messages at ${rate}/s`,
            's',
            fixed.sent > 0 ? (cpu.serverCpuSeconds / fixed.sent) * 100_000 : undefined,
          ),
          ...latencyMetrics(`lat@${rate}`, `latency at ${rate}/s`, fixed.latency),
        );
        if (fixed.skipped > 0) {
          notes.push(`${rate}/s not sustained: ${fixed.skipped} sends skipped`);
        }
      }
      return {
        metrics,
        ...(cpuOfLast === undefined ? {} : cpuFields(cpuOfLast)),
        notes,
      };
    } finally {
      closeAll(clients);
    }
  },
};
