import { formatFloat, renderFamily, type Sample } from './exposition.js';

/** Label values of one series, by label name. */
export type LabelValues<L extends string> = { readonly [K in L]: string };

/** What every metric is declared with. */
export interface MetricOptions<L extends string> {
  /** Full metric name (`signaling_hub_sessions`). */
  name: string;
  help: string;
  /** Label names, in declaration order. */
  labels?: readonly L[];
}

/** Options of a histogram. */
export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, ascending; `+Inf` is implicit. */
  buckets: readonly number[];
}

/** Options of a metric whose samples are produced at scrape time. */
export interface CallbackMetricOptions<L extends string> extends MetricOptions<L> {
  type: 'counter' | 'gauge';
  /** The current samples: `[labels, value]` pairs. */
  collect: () => Iterable<readonly [LabelValues<L>, number]>;
}

/** Prometheus metric types we produce. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One metric family as the registry renders it. */
interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  samples(): Sample[];
}

/**
 * Go's `prometheus.ExponentialBucketsRange`: `count` buckets from `min` to `max`, each a constant
 * factor larger than the previous one.
 */
export function exponentialBucketsRange(min: number, max: number, count: number): number[] {
  if (count < 1 || min <= 0 || max <= min) {
    throw new RangeError('exponentialBucketsRange needs count >= 1 and 0 < min < max');
  }
  const factor = (max / min) ** (1 / (count - 1));
  return Array.from({ length: count }, (_, i) => min * factor ** i);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Base of labelled metrics: a map from label values to per-series state. */
abstract class Metric<L extends string, S> implements Family {
  readonly name: string;
  readonly help: string;
  abstract readonly type: MetricType;
  readonly labelNames: readonly L[];
  protected readonly series = new Map<string, { labels: readonly string[]; state: S }>();
  /** Bumped whenever series are dropped, so bound handles know to look theirs up again. */
  protected generation = 0;

  constructor(options: MetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labels ?? [];
  }

  protected values(labels: LabelValues<L> | undefined): string[] {
    return this.labelNames.map((name) => {
      const value = labels?.[name];
      if (typeof value !== 'string') {
        throw new TypeError(`metric ${this.name}: label ${name} missing`);
      }
      return value;
    });
  }

  protected entry(labels: LabelValues<L> | undefined, create: () => S): S {
    const values = this.values(labels);
    const key = values.join('\u0000');
    let found = this.series.get(key);
    if (found === undefined) {
      found = { labels: values, state: create() };
      this.series.set(key, found);
    }
    return found.state;
  }

  /** Drops the series with exactly these labels. */
  remove(labels: LabelValues<L>): void {
    this.generation++;
    this.series.delete(this.values(labels).join('\u0000'));
  }

  /**
   * A getter for the state of one label set that skips the label lookup on the hot path; it
   * resolves the series again only after series were dropped.
   */
  protected bound(labels: LabelValues<L> | undefined, create: () => S): () => S {
    let state: S | undefined;
    let seen = -1;
    return () => {
      if (seen !== this.generation || state === undefined) {
        state = this.entry(labels, create);
        seen = this.generation;
      }
      return state;
    };
  }

  protected matchers(partial: Partial<LabelValues<L>>): (readonly [number, unknown])[] {
    return Object.entries(partial).map(
      ([name, value]) => [this.labelNames.indexOf(name as L), value] as const,
    );
  }

  /** Drops every series whose labels include all of `partial` (Go's `DeletePartialMatch`). */
  removeMatching(partial: Partial<LabelValues<L>>): void {
    const checks = this.matchers(partial);
    this.generation++;
    for (const [key, { labels }] of this.series) {
      if (checks.every(([index, value]) => labels[index] === value)) {
        this.series.delete(key);
      }
    }
  }

  /** Drops all series. */
  reset(): void {
    this.generation++;
    this.series.clear();
  }

  abstract samples(): Sample[];

  protected pairs(values: readonly string[]): [string, string][] {
    return this.labelNames.map((name, i) => [name, values[i] as string]);
  }
}

/** A monotonically increasing value per label set. */
export class Counter<L extends string = never> extends Metric<L, { value: number }> {
  readonly type = 'counter';

  /** Adds `by` (default 1, must not be negative). */
  inc(labels?: LabelValues<L>, by = 1): void {
    if (!(by >= 0)) {
      throw new RangeError(`counter ${this.name} cannot decrease`);
    }
    this.entry(labels, () => ({ value: 0 })).value += by;
  }

  /** A handle adding to the series of `labels`, for counters bumped on every message. */
  bind(labels?: LabelValues<L>): (by?: number) => void {
    const state = this.bound(labels, () => ({ value: 0 }));
    return (by = 1) => {
      if (!(by >= 0)) {
        throw new RangeError(`counter ${this.name} cannot decrease`);
      }
      state().value += by;
    };
  }

  /** The current value (0 for a series never touched). */
  get(labels?: LabelValues<L>): number {
    return this.series.get(this.values(labels).join('\u0000'))?.state.value ?? 0;
  }

  samples(): Sample[] {
    if (this.series.size === 0 && this.labelNames.length === 0) {
      return [{ suffix: '', labels: [], value: 0 }];
    }
    return [...this.series.values()].map(({ labels, state }) => ({
      suffix: '',
      labels: this.pairs(labels),
      value: state.value,
    }));
  }
}

/** A value that goes up and down per label set. */
export class Gauge<L extends string = never> extends Metric<L, { value: number }> {
  readonly type = 'gauge';

  set(labels: LabelValues<L> | undefined, value: number): void {
    this.entry(labels, () => ({ value: 0 })).value = value;
  }

  inc(labels?: LabelValues<L>, by = 1): void {
    this.entry(labels, () => ({ value: 0 })).value += by;
  }

  dec(labels?: LabelValues<L>, by = 1): void {
    this.entry(labels, () => ({ value: 0 })).value -= by;
  }

  /** The current value (0 for a series never touched). */
  get(labels?: LabelValues<L>): number {
    return this.series.get(this.values(labels).join('\u0000'))?.state.value ?? 0;
  }

  /** Sum over all series, or over those whose labels include all of `partial`. */
  sum(partial: Partial<LabelValues<L>> = {}): number {
    const checks = this.matchers(partial);
    let total = 0;
    for (const { labels, state } of this.series.values()) {
      if (checks.every(([index, value]) => labels[index] === value)) {
        total += state.value;
      }
    }
    return total;
  }

  samples(): Sample[] {
    if (this.series.size === 0 && this.labelNames.length === 0) {
      return [{ suffix: '', labels: [], value: 0 }];
    }
    return [...this.series.values()].map(({ labels, state }) => ({
      suffix: '',
      labels: this.pairs(labels),
      value: state.value,
    }));
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets per label set. */
export class Histogram<L extends string = never> extends Metric<L, HistogramState> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions<L>) {
    super(options);
    this.buckets = [...options.buckets].sort((a, b) => a - b);
  }

  #fresh = (): HistogramState => ({
    counts: this.buckets.map(() => 0),
    sum: 0,
    count: 0,
  });

  observe(labels: LabelValues<L> | undefined, value: number): void {
    const state = this.entry(labels, this.#fresh);
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) {
      state.counts[index] = (state.counts[index] ?? 0) + 1;
    }
    state.sum += value;
    state.count += 1;
  }

  /** Number of observations of a series. */
  count(labels?: LabelValues<L>): number {
    return this.series.get(this.values(labels).join('\u0000'))?.state.count ?? 0;
  }

  samples(): Sample[] {
    const all =
      this.series.size === 0 && this.labelNames.length === 0
        ? [{ labels: [] as string[], state: this.#fresh() }]
        : [...this.series.values()];
    const out: Sample[] = [];
    for (const { labels, state } of all) {
      const pairs = this.pairs(labels);
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += state.counts[i] ?? 0;
        out.push({ suffix: '_bucket', labels: pairs, le: formatFloat(bound), value: cumulative });
      });
      out.push({ suffix: '_bucket', labels: pairs, le: '+Inf', value: state.count });
      out.push({ suffix: '_sum', labels: pairs, value: state.sum });
      out.push({ suffix: '_count', labels: pairs, value: state.count });
    }
    return out;
  }
}

/** A family whose samples come from a callback at scrape time. */
class CallbackMetric<L extends string> implements Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly labelNames: readonly L[];
  readonly #collect: CallbackMetricOptions<L>['collect'];

  constructor(options: CallbackMetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.type = options.type;
    this.labelNames = options.labels ?? [];
    this.#collect = options.collect;
  }

  samples(): Sample[] {
    return [...this.#collect()].map(([labels, value]) => ({
      suffix: '',
      labels: this.labelNames.map((name) => [name, labels[name]]),
      value,
    }));
  }
}

/**
 * A set of metric families rendered in the Prometheus text format (version 0.0.4), the way Go's
 * client library does it: families sorted by name, labelled families without any series left out,
 * label-less ones always present.
 */
export class MetricsRegistry {
  readonly #families = new Map<string, Family>();
  readonly #beforeCollect: Array<() => void> = [];

  #add<F extends Family>(family: F): F {
    if (!NAME.test(family.name)) {
      throw new TypeError(`invalid metric name ${family.name}`);
    }
    for (const label of family.labelNames) {
      if (!LABEL.test(label) || label === 'le' || label.startsWith('__')) {
        throw new TypeError(`invalid label ${label} of ${family.name}`);
      }
    }
    if (this.#families.has(family.name)) {
      throw new TypeError(`metric ${family.name} registered twice`);
    }
    this.#families.set(family.name, family);
    return family;
  }

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.#add(new Counter(options));
  }

  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.#add(new Gauge(options));
  }

  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.#add(new Histogram(options));
  }

  /** A counter or gauge computed when scraped (process figures, configured backends, …). */
  callback<L extends string = never>(options: CallbackMetricOptions<L>): void {
    this.#add(new CallbackMetric(options));
  }

  /** Runs `hook` before every rendering (to refresh gauges). */
  beforeCollect(hook: () => void): void {
    this.#beforeCollect.push(hook);
  }

  /** Names of the registered families. */
  get names(): string[] {
    return [...this.#families.keys()].sort();
  }

  /** The text exposition of all families. */
  render(): string {
    for (const hook of this.#beforeCollect) {
      hook();
    }
    let text = '';
    for (const name of this.names) {
      const family = this.#families.get(name) as Family;
      text += renderFamily(family.name, family.help, family.type, family.samples());
    }
    return text;
  }
}
