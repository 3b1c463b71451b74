import { readdirSync, readFileSync } from 'node:fs';
import {
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
} from 'node:perf_hooks';
import type { MetricsRegistry } from './registry.js';

/** Page size for `/proc/self/stat` RSS (pages); 4 KiB on every Linux we run on. */
const PAGE_SIZE = 4096;
/** Sampling interval of the event-loop delay histogram. */
const LOOP_DELAY_RESOLUTION_MS = 100;
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Record<number, string> = { 1: 'major', 2: 'minor', 4: 'incremental', 8: 'weakcb' };

function procStat(): { vsize: number; rss: number } | undefined {
  try {
    const text = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name; vsize and rss are fields 23 and 24.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { vsize: Number(fields[20]), rss: Number(fields[21]) * PAGE_SIZE };
  } catch {
    return undefined;
  }
}

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

function maxFds(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

const single = (value: number | undefined): Array<readonly [Record<never, string>, number]> =>
  value === undefined || Number.isNaN(value) ? [] : [[{}, value]];

/**
 * Node process metrics under the names the Prometheus client libraries use (`process_*` as in Go
 * and prom-client, `nodejs_*` as in prom-client), so standard dashboards work. Upstream exposes
 * `go_*` figures instead; those have no meaning for a Node process.
 */
export class ProcessMetrics {
  readonly #loopDelay: IntervalHistogram;
  readonly #gcObserver: PerformanceObserver | undefined;

  constructor(registry: MetricsRegistry) {
    const startSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000);
    registry.callback({
      name: 'process_cpu_user_seconds_total',
      help: 'Total user CPU time spent in seconds.',
      type: 'counter',
      collect: () => single(process.cpuUsage().user / 1e6),
    });
    registry.callback({
      name: 'process_cpu_system_seconds_total',
      help: 'Total system CPU time spent in seconds.',
      type: 'counter',
      collect: () => single(process.cpuUsage().system / 1e6),
    });
    registry.callback({
      name: 'process_cpu_seconds_total',
      help: 'Total user and system CPU time spent in seconds.',
      type: 'counter',
      collect: () => {
        const usage = process.cpuUsage();
        return single((usage.user + usage.system) / 1e6);
      },
    });
    registry.callback({
      name: 'process_start_time_seconds',
      help: 'Start time of the process since unix epoch in seconds.',
      type: 'gauge',
      collect: () => single(startSeconds),
    });
    registry.callback({
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes.',
      type: 'gauge',
      collect: () => single(procStat()?.rss ?? process.memoryUsage.rss()),
    });
    registry.callback({
      name: 'process_virtual_memory_bytes',
      help: 'Virtual memory size in bytes.',
      type: 'gauge',
      collect: () => single(procStat()?.vsize),
    });
    registry.callback({
      name: 'process_heap_bytes',
      help: 'Process heap size in bytes.',
      type: 'gauge',
      collect: () => single(process.memoryUsage().heapTotal),
    });
    registry.callback({
      name: 'process_open_fds',
      help: 'Number of open file descriptors.',
      type: 'gauge',
      collect: () => single(openFds()),
    });
    registry.callback({
      name: 'process_max_fds',
      help: 'Maximum number of open file descriptors.',
      type: 'gauge',
      collect: () => single(maxFds()),
    });
    registry.callback({
      name: 'nodejs_heap_size_total_bytes',
      help: 'Process heap size from Node.js in bytes.',
      type: 'gauge',
      collect: () => single(process.memoryUsage().heapTotal),
    });
    registry.callback({
      name: 'nodejs_heap_size_used_bytes',
      help: 'Process heap size used from Node.js in bytes.',
      type: 'gauge',
      collect: () => single(process.memoryUsage().heapUsed),
    });
    registry.callback({
      name: 'nodejs_external_memory_bytes',
      help: 'Node.js external memory size in bytes.',
      type: 'gauge',
      collect: () => single(process.memoryUsage().external),
    });
    registry.callback({
      name: 'nodejs_active_resources_total',
      help: 'Number of active resources that are currently keeping the event loop alive.',
      type: 'gauge',
      collect: () => single(process.getActiveResourcesInfo().length),
    });
    const [major = '', minor = '', patch = ''] = process.versions.node.split('.');
    registry.callback<'version' | 'major' | 'minor' | 'patch'>({
      name: 'nodejs_version_info',
      help: 'Node.js version info.',
      type: 'gauge',
      labels: ['version', 'major', 'minor', 'patch'],
      collect: () => [[{ version: process.version, major, minor, patch }, 1]],
    });

    // One timer sample every 100 ms: prom-client's 10 ms would wake an idle server 100 times a
    // second (measured: 4 ms of CPU per second with 1000 idle sessions, and a wake-up between
    // any two messages of light traffic). The histogram records how late each sample fired, so
    // a blocked loop still shows in full; it only takes ten samples a second instead of a hundred.
    this.#loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    this.#loopDelay.enable();
    const delay = (pick: (h: IntervalHistogram) => number) => () => {
      const h = this.#loopDelay;
      return single(h.count > 0 ? pick(h) / 1e9 : 0);
    };
    const lag: Array<[string, string, (h: IntervalHistogram) => number]> = [
      ['min', 'minimum', (h) => h.min],
      ['max', 'maximum', (h) => h.max],
      ['mean', 'mean', (h) => h.mean],
      ['stddev', 'standard deviation', (h) => h.stddev],
      ['p50', '50th percentile', (h) => h.percentile(50)],
      ['p90', '90th percentile', (h) => h.percentile(90)],
      ['p99', '99th percentile', (h) => h.percentile(99)],
    ];
    for (const [suffix, what, pick] of lag) {
      registry.callback({
        name: `nodejs_eventloop_lag_${suffix}_seconds`,
        help: `The ${what} of the recorded event loop delays.`,
        type: 'gauge',
        collect: delay(pick),
      });
    }

    const gc = registry.histogram<'kind'>({
      name: 'nodejs_gc_duration_seconds',
      help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      labels: ['kind'],
      buckets: GC_BUCKETS,
    });
    try {
      this.#gcObserver = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          const detail = (entry as { detail?: { kind?: number } }).detail;
          const kind = GC_KINDS[detail?.kind ?? 0] ?? 'unknown';
          gc.observe({ kind }, entry.duration / 1000);
        }
      });
      this.#gcObserver.observe({ entryTypes: ['gc'] });
    } catch {
      this.#gcObserver = undefined;
    }
  }

  /** Stops the event-loop and GC observers. */
  close(): void {
    this.#loopDelay.disable();
    this.#gcObserver?.disconnect();
  }
}
