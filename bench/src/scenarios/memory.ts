import { setTimeout as delay } from 'node:timers/promises';
import type { BenchClient } from '../client/bench-client.js';
import { closeAll, openSessions } from '../client/pool.js';
import { type MemorySample, readMemory } from '../harness/proc-stats.js';
import { cpuFields, lower, type Metric, type Scenario } from './scenario.js';

const MIB = 1024;

const mib = (kib: number | undefined) => (kib === undefined ? undefined : kib / MIB);

/**
 * Scenario 5, memory: server RSS (VmRSS of /proc/<pid>/status) at a series of idle authenticated
 * session counts, each read after a settle period, plus the RSS growth per session. RSS is also
 * split into private memory (RssAnon) and resident pages of the executable and libraries
 * (RssFile): node's executable alone keeps some 30 MiB of its code resident, Go's server 12 MiB.
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
      const first = readMemory(server.pid);
      const baseline = first?.rssKiB ?? 0;
      metrics.push(lower('rss.0', 'RSS, no sessions', 'MiB', baseline / MIB));
      const split = (step: number, sample: MemorySample | undefined) => {
        const label = step === 0 ? 'no sessions' : `${step} sessions`;
        metrics.push(
          lower(`anon.${step}`, `private (RssAnon), ${label}`, 'MiB', mib(sample?.anonKiB)),
          lower(`file.${step}`, `mapped files (RssFile), ${label}`, 'MiB', mib(sample?.fileKiB)),
        );
      };
      split(0, first);
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
        const sample = readMemory(server.pid);
        last = sample?.rssKiB ?? 0;
        metrics.push(lower(`rss.${step}`, `RSS, ${step} sessions`, 'MiB', last / MIB));
        split(step, sample);
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
