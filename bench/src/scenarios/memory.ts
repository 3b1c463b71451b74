import { setTimeout as delay } from 'node:timers/promises';
import type { BenchClient } from '../client/bench-client.js';
import { closeAll, openSessions } from '../client/pool.js';
import { readMemory } from '../harness/proc-stats.js';
import { cpuFields, lower, type Metric, type Scenario } from './scenario.js';

const MIB = 1024;

/**
 * Scenario 5, memory: server RSS (VmRSS of /proc/<pid>/status) at a series of idle authenticated
 * session counts, each read after a settle period, plus the RSS growth per session.
 */
export const memoryScenario: Scenario = {
  number: 5,
  id: 'memory',
  title: 'RSS with idle authenticated sessions',
  requires: ['hello'],
  noiseSensitive: false,
  async run({ server, backend, profile, meter }) {
    const { steps, concurrency, settleMs, timeLimitS } = profile.memory;
    const deadline = Date.now() + timeLimitS * 1000;
    const clients: BenchClient[] = [];
    const notes: string[] = [];
    const metrics: Metric[] = [];
    const window = meter();
    try {
      await delay(settleMs / 2);
      const baseline = readMemory(server.pid)?.rssKiB ?? 0;
      metrics.push(lower('rss.0', 'RSS, no sessions', 'MiB', baseline / MIB));
      window.start();
      let last = baseline;
      for (const step of steps) {
        const opened = await openSessions({
          wsUrl: server.wsUrl,
          helloUrl: backend.helloUrl,
          count: step - clients.length,
          concurrency,
          timeoutMs: 10_000,
          deadline,
          userPrefix: `mem-${clients.length}-`,
        });
        clients.push(...opened.clients);
        if (opened.failures > 0) {
          notes.push(`at ${step}: ${opened.failures} hello failures (${opened.firstError})`);
        }
        if (clients.length < step) {
          notes.push(`stopped at ${clients.length} sessions (time limit or failures)`);
          break;
        }
        await delay(settleMs);
        last = readMemory(server.pid)?.rssKiB ?? 0;
        metrics.push(lower(`rss.${step}`, `RSS, ${step} sessions`, 'MiB', last / MIB));
      }
      if (clients.length > 0) {
        metrics.push(
          lower(
            'perSession',
            `RSS growth per session (0→${clients.length})`,
            'KiB',
            (last - baseline) / clients.length,
          ),
        );
      }
      const hwm = readMemory(server.pid)?.hwmKiB;
      metrics.push(
        lower('hwm', 'peak RSS (VmHWM)', 'MiB', hwm === undefined ? undefined : hwm / MIB),
      );
      const cpu = window.read();
      return {
        metrics,
        ...cpuFields(cpu),
        notes,
      };
    } finally {
      closeAll(clients);
    }
  },
};
