import type { ServerKind } from '../harness/server-launcher.js';
import type { Metric, ScenarioOutcome } from '../scenarios/scenario.js';

/** One scenario run against one server. */
export interface RunRecord {
  scenario: number;
  title: string;
  server: ServerKind;
  run: number;
  /** Seconds the run took, server start and stop included. */
  seconds: number;
  outcome?: ScenarioOutcome;
  /** Why the run did not happen (missing capability, time budget). */
  skipped?: string;
  /** Why the run failed. */
  error?: string;
  /** Other processes used the machine during the measured window (even after a repeat). */
  noisy?: boolean;
}

/** A figure over several runs. */
export interface Aggregate {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** One line of the comparison table. */
export interface Row {
  scenario: number;
  title: string;
  key: string;
  label: string;
  unit: string;
  better: Metric['better'] | 'info';
  values: Partial<Record<ServerKind, Aggregate>>;
  /** Why a server has no value. */
  missing: Partial<Record<ServerKind, string>>;
  /** ours / Go of the medians. */
  ratio: number | undefined;
  /** Servers whose value comes from noisy runs only. */
  noisy: Partial<Record<ServerKind, boolean>>;
}

export function aggregate(values: readonly number[]): Aggregate | undefined {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) {
    return undefined;
  }
  const mid = finite.length >> 1;
  const median =
    finite.length % 2 === 1
      ? (finite[mid] as number)
      : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
  return {
    median,
    min: finite[0] as number,
    max: finite[finite.length - 1] as number,
    n: finite.length,
  };
}

/** Spread of an aggregate as ± percent of its median ((max − min) / 2 / median). */
export function spreadPercent(agg: Aggregate): number {
  return agg.median === 0 ? 0 : ((agg.max - agg.min) / 2 / Math.abs(agg.median)) * 100;
}

/** The CPU rows of a run, in table order. */
function cpuRows(outcome: ScenarioOutcome): Array<[string, string, number | undefined]> {
  return [
    ['cpu.server', 'server process CPU (1 = one core)', outcome.serverCpu],
    ['core.server', 'core 0 busy, all causes incl. softirq', outcome.serverCoreBusy],
    ['cpu.generator', 'generator processes CPU (bench + helpers)', outcome.generatorCpu],
    ['cpu.helper', '… of which backend / external client', outcome.helperCpu],
    ['core.generator', 'core 1 busy, all causes incl. softirq', outcome.generatorCoreBusy],
    ['cpu.foreign', 'other processes on the machine (noise)', outcome.foreignCpu],
  ];
}

/**
 * Builds the table rows: every metric any run reported, in scenario order, plus the CPU use of
 * server and generator per scenario. Values are medians over runs; ratios are ours / Go.
 */
export function buildRows(records: readonly RunRecord[]): Row[] {
  const rows = new Map<string, Row>();
  const values = new Map<string, Map<ServerKind, number[]>>();
  const add = (
    record: RunRecord,
    key: string,
    label: string,
    unit: string,
    better: Row['better'],
    value: number | undefined,
  ) => {
    const id = `${record.scenario}/${key}`;
    if (!rows.has(id)) {
      rows.set(id, {
        scenario: record.scenario,
        title: record.title,
        key,
        label,
        unit,
        better,
        values: {},
        missing: {},
        ratio: undefined,
        noisy: {},
      });
      values.set(id, new Map());
    }
    if (value !== undefined) {
      const perServer = values.get(id) as Map<ServerKind, number[]>;
      perServer.set(record.server, [...(perServer.get(record.server) ?? []), value]);
    }
  };
  // A noisy run counts only when the same scenario and server has no clean one.
  const hasClean = new Set(
    records.filter((r) => r.outcome && !r.noisy).map((r) => `${r.scenario}/${r.server}`),
  );
  const noisyOnly = new Set<string>();
  const usable = records.filter((r) => {
    const key = `${r.scenario}/${r.server}`;
    if (r.noisy && r.outcome && !hasClean.has(key)) {
      noisyOnly.add(key);
    }
    return !(r.noisy && hasClean.has(key));
  });
  const sorted = [...usable].sort((a, b) => a.scenario - b.scenario);
  for (const record of sorted) {
    for (const metric of record.outcome?.metrics ?? []) {
      add(record, metric.key, metric.label, metric.unit, metric.better, metric.value);
    }
    if (record.outcome) {
      for (const [key, label, value] of cpuRows(record.outcome)) {
        add(record, key, label, 'cores', 'info', value);
      }
    }
  }
  for (const [id, row] of rows) {
    const perServer = values.get(id) as Map<ServerKind, number[]>;
    for (const server of ['go', 'ours'] as const) {
      const agg = aggregate(perServer.get(server) ?? []);
      if (agg) {
        row.values[server] = agg;
        if (noisyOnly.has(`${row.scenario}/${server}`)) {
          row.noisy[server] = true;
        }
      } else {
        const reasons = records.filter((r) => r.scenario === row.scenario && r.server === server);
        const reason = reasons.find((r) => r.skipped ?? r.error);
        row.missing[server] = reason?.skipped ?? reason?.error ?? 'not run';
      }
    }
    const go = row.values.go?.median;
    const ours = row.values.ours?.median;
    row.ratio = go !== undefined && ours !== undefined && go !== 0 ? ours / go : undefined;
  }
  // Scenarios that produced no outcome at all still get a row, so the table shows why.
  for (const record of sorted) {
    if (![...rows.values()].some((r) => r.scenario === record.scenario)) {
      const row: Row = {
        scenario: record.scenario,
        title: record.title,
        key: 'none',
        label: '(no figures)',
        unit: '',
        better: 'info',
        values: {},
        missing: {},
        ratio: undefined,
        noisy: {},
      };
      for (const r of sorted.filter((x) => x.scenario === record.scenario)) {
        row.missing[r.server] = r.skipped ?? r.error ?? 'not run';
      }
      rows.set(`${record.scenario}/none`, row);
    }
  }
  return [...rows.values()];
}
