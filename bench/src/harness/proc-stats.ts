import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, almost always 100). */
const CLOCK_TICKS = readClockTicks();

function readClockTicks(): number {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const value = Number.parseInt(result.stdout ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : 100;
}

/** CPU time of one process, all threads, from /proc/<pid>/stat. */
export interface CpuSample {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  /** Wall-clock time of the sample, in seconds (monotonic). */
  at: number;
}

/**
 * Reads utime + stime (fields 14 and 15) of /proc/<pid>/stat. The command name (field 2) may
 * contain spaces, so fields are counted from the closing parenthesis. Returns undefined when the
 * process is gone.
 */
export function readCpu(pid: number): CpuSample | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  return { cpuSeconds: parseStatCpuTicks(text) / CLOCK_TICKS, at: now() };
}

/** utime + stime in clock ticks from the text of /proc/<pid>/stat. */
export function parseStatCpuTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  return Number(rest[11]) + Number(rest[12]);
}

/** Memory of one process from /proc/<pid>/status, in KiB. */
export interface MemorySample {
  rssKiB: number;
  hwmKiB: number;
  /**
   * RssAnon: the process's private memory (heaps, stacks). The rest of VmRSS is mostly pages of
   * the executable and libraries, shared through the page cache (RssFile).
   */
  anonKiB: number;
  /** RssFile: resident pages of mapped files, mostly the executable's code and data. */
  fileKiB: number;
}

/** Reads VmRSS, VmHWM, RssAnon and RssFile of /proc/<pid>/status. */
export function readMemory(pid: number): MemorySample | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  return parseStatusMemory(text);
}

/** VmRSS / VmHWM / RssAnon / RssFile (KiB) from the text of /proc/<pid>/status. */
export function parseStatusMemory(status: string): MemorySample {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : 0;
  };
  return {
    rssKiB: field('VmRSS'),
    hwmKiB: field('VmHWM'),
    anonKiB: field('RssAnon'),
    fileKiB: field('RssFile'),
  };
}

/** Monotonic seconds. */
export function now(): number {
  return performance.now() / 1000;
}

/** A CPU meter over a set of processes, `start()` then `stop()` for a window. */
export class CpuMeter {
  readonly #pids: readonly number[];
  readonly #self: boolean;
  #startCpu = 0;
  #startAt = 0;

  /** `self` adds this process (the generator) through `process.cpuUsage()`. */
  constructor(pids: readonly number[], self: boolean) {
    this.#pids = pids;
    this.#self = self;
  }

  #total(): number {
    let sum = 0;
    for (const pid of this.#pids) {
      sum += readCpu(pid)?.cpuSeconds ?? 0;
    }
    if (this.#self) {
      const usage = process.cpuUsage();
      sum += (usage.user + usage.system) / 1e6;
    }
    return sum;
  }

  start(): void {
    this.#startCpu = this.#total();
    this.#startAt = now();
  }

  /** CPU seconds used and wall seconds elapsed since `start()`. */
  read(): { cpuSeconds: number; wallSeconds: number; utilisation: number } {
    const cpuSeconds = this.#total() - this.#startCpu;
    const wallSeconds = now() - this.#startAt;
    return {
      cpuSeconds,
      wallSeconds,
      utilisation: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
    };
  }
}

/** Busy time of the machine from /proc/stat, in seconds. */
export interface SystemCpuSample {
  /** user + nice + system over all CPUs (what processes are charged with). */
  process: number;
  /**
   * Per CPU (index = CPU number): everything but idle and iowait, i.e. processes plus irq and
   * softirq (loopback TCP work is largely done there and charged to no process) plus steal.
   */
  busy: number[];
}

/** Reads /proc/stat. */
export function readSystemCpu(): SystemCpuSample {
  let text = '';
  try {
    text = readFileSync('/proc/stat', 'latin1');
  } catch {
    return { process: 0, busy: [] };
  }
  return parseSystemCpu(text);
}

/** Parses the `cpu` and `cpuN` lines of the text of /proc/stat. */
export function parseSystemCpu(stat: string): SystemCpuSample {
  const result: SystemCpuSample = { process: 0, busy: [] };
  for (const line of stat.split('\n')) {
    const match = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (!match) {
      continue;
    }
    const f = (match[2] as string).trim().split(/\s+/).map(Number);
    const at = (i: number) => f[i] ?? 0;
    if (match[1] === '') {
      result.process = (at(0) + at(1) + at(2)) / CLOCK_TICKS;
    } else {
      // user nice system idle iowait irq softirq steal
      const busy = at(0) + at(1) + at(2) + at(5) + at(6) + at(7);
      result.busy[Number(match[1])] = busy / CLOCK_TICKS;
    }
  }
  return result;
}
