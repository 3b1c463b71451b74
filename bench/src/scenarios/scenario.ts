import type { BackendProcess } from '../harness/backend-process.js';
import { CpuMeter, readSystemCpu, type SystemCpuSample } from '../harness/proc-stats.js';
import { GENERATOR_CPU, type ProcessRegistry, SERVER_CPU } from '../harness/processes.js';
import type { RunningServer } from '../harness/server-launcher.js';
import type { Profile } from '../options.js';
import type { LatencySummary } from '../stats/latency.js';

/** What a server was seen to support, from {@link probe}. Scenarios list what they need. */
export interface Capabilities {
  hello: boolean;
  roomJoin: boolean;
  roomLeave: boolean;
  sessionMessage: boolean;
  roomMessage: boolean;
  backendApi: boolean;
  backendApiEvents: boolean;
}

export type Capability = keyof Capabilities;

/** One measured figure. */
export interface Metric {
  /** Stable key within the scenario, e.g. `rate`. */
  key: string;
  label: string;
  unit: string;
  value: number | undefined;
  better: 'higher' | 'lower';
}

/** The result of one scenario run against one server. */
export interface ScenarioOutcome {
  metrics: Metric[];
  /** CPU use of the server during the measured window, 1 = one full core. */
  serverCpu?: number;
  /** CPU use of the generator (this process + the backend) during the window, 1 = one core. */
  generatorCpu?: number;
  /** The part of {@link generatorCpu} used by the backend / external load client processes. */
  helperCpu?: number;
  /**
   * CPU used by processes outside the bench during the window (other work on the machine), in
   * cores. Above ~0.1 the run is noisy: the pinned cores were shared.
   */
  foreignCpu?: number;
  /** How busy the server's core was, all causes (server, irq/softirq, anything else), 0–1. */
  serverCoreBusy?: number;
  /** How busy the generator's core was, all causes, 0–1. */
  generatorCoreBusy?: number;
  notes: string[];
}

/** Everything a scenario gets. */
export interface ScenarioContext {
  readonly server: RunningServer;
  readonly backend: BackendProcess;
  readonly profile: Profile;
  readonly capabilities: Capabilities;
  /** `[backend] secret` of the generated server.conf, for signing backend API requests. */
  readonly backendSecret: string;
  /** A fresh meter over server and generator CPU. */
  meter(): WindowMeter;
  /** Starts and ends external processes (the upstream load client). */
  readonly registry: ProcessRegistry;
  /** Whether processes are pinned with taskset. */
  readonly pin: boolean;
  /** Path of the upstream load client binary. */
  readonly upstreamClientBin: string;
  /**
   * Starts another server of the same kind (pinned like the first), in the cluster of the
   * nats-server at `natsUrl`; the scenario stops it with {@link stopServer}.
   */
  startServer(natsUrl: string): Promise<RunningServer>;
  stopServer(server: RunningServer): Promise<void>;
}

export interface Scenario {
  /** Issue 7 scenario number. */
  readonly number: number;
  readonly id: string;
  readonly title: string;
  readonly requires: readonly Capability[];
  /**
   * Failing is an expected outcome (a tool that may not speak to every server): the failure is
   * reported as the reason for n/a and does not fail the bench.
   */
  readonly optional?: boolean;
  /** False when other load on the machine cannot distort the figures (RSS): no noise repeat. */
  readonly noiseSensitive?: boolean;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}

/** What a {@link WindowMeter} measured; CPU figures in cores (1 = one core for the window). */
export interface WindowReading {
  serverCpuSeconds: number;
  serverCpu: number;
  generatorCpu: number;
  helperCpu: number;
  foreignCpu: number;
  serverCoreBusy: number;
  generatorCoreBusy: number;
  wall: number;
}

/** The CPU fields of a {@link ScenarioOutcome} from a reading. */
export function cpuFields(
  reading: WindowReading,
): Pick<
  ScenarioOutcome,
  'serverCpu' | 'generatorCpu' | 'helperCpu' | 'foreignCpu' | 'serverCoreBusy' | 'generatorCoreBusy'
> {
  return {
    serverCpu: reading.serverCpu,
    generatorCpu: reading.generatorCpu,
    helperCpu: reading.helperCpu,
    foreignCpu: reading.foreignCpu,
    serverCoreBusy: reading.serverCoreBusy,
    generatorCoreBusy: reading.generatorCoreBusy,
  };
}

/** CPU of the server and of the generator side over one measured window. */
export class WindowMeter {
  readonly #server: CpuMeter;
  readonly #self: CpuMeter;
  readonly #helpers: CpuMeter;
  #system: SystemCpuSample = readSystemCpu();

  /** `helperPids`: the generator-side children (the backend, an external load client). */
  constructor(serverPid: number, helperPids: readonly number[]) {
    this.#server = new CpuMeter([serverPid], false);
    this.#self = new CpuMeter([], true);
    this.#helpers = new CpuMeter(helperPids, false);
  }

  start(): void {
    this.#server.start();
    this.#self.start();
    this.#helpers.start();
    this.#system = readSystemCpu();
  }

  read(): WindowReading {
    const server = this.#server.read();
    const self = this.#self.read();
    const helpers = this.#helpers.read();
    const system = readSystemCpu();
    const wall = server.wallSeconds;
    const ours = server.cpuSeconds + self.cpuSeconds + helpers.cpuSeconds;
    const perWall = (seconds: number) => (wall > 0 ? seconds / wall : 0);
    return {
      serverCpuSeconds: server.cpuSeconds,
      serverCpu: server.utilisation,
      generatorCpu: self.utilisation + helpers.utilisation,
      helperCpu: helpers.utilisation,
      // Clock-tick granularity makes small negative values possible; clamp them.
      foreignCpu: Math.max(0, perWall(system.process - this.#system.process - ours)),
      serverCoreBusy: perWall(
        (system.busy[SERVER_CPU] ?? 0) - (this.#system.busy[SERVER_CPU] ?? 0),
      ),
      generatorCoreBusy: perWall(
        (system.busy[GENERATOR_CPU] ?? 0) - (this.#system.busy[GENERATOR_CPU] ?? 0),
      ),
      wall,
    };
  }
}

/** Metric helpers. */
export function higher(
  key: string,
  label: string,
  unit: string,
  value: number | undefined,
): Metric {
  return { key, label, unit, value, better: 'higher' };
}

export function lower(key: string, label: string, unit: string, value: number | undefined): Metric {
  return { key, label, unit, value, better: 'lower' };
}

/** p50 and p99 metrics from a latency summary. */
export function latencyMetrics(
  key: string,
  label: string,
  summary: LatencySummary | undefined,
): Metric[] {
  return [
    lower(`${key}.p50`, `${label} p50`, 'ms', summary?.p50),
    lower(`${key}.p99`, `${label} p99`, 'ms', summary?.p99),
  ];
}
