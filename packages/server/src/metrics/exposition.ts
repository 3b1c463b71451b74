/** One line of a family: name suffix (`_bucket`, `_sum`, …), labels and value. */
export interface Sample {
  suffix: string;
  labels: readonly (readonly [string, string])[];
  /** The bucket bound of a `_bucket` line, already formatted. */
  le?: string;
  value: number;
}

/** Content type of the text exposition format we write. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Formats a sample value as Go's `strconv.FormatFloat(v, 'g', -1, 64)` does, which is what the Go
 * client writes: shortest round-trip digits, exponent form below 1e-4 and from 1e6 on
 * (`1.5e+06`), and `+Inf`, `-Inf`, `NaN`.
 */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '+Inf' : '-Inf';
  }
  if (value === 0) {
    return Object.is(value, -0) ? '-0' : '0';
  }
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabel(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function compareLabels(a: Sample, b: Sample): number {
  for (let i = 0; i < Math.max(a.labels.length, b.labels.length); i++) {
    const x = a.labels[i]?.[1] ?? '';
    const y = b.labels[i]?.[1] ?? '';
    if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/**
 * Renders one family: `# HELP`, `# TYPE`, then its samples sorted by label values (label names
 * sorted within a line, `le` last). A family without samples renders as nothing, like a Go vector
 * without children.
 */
export function renderFamily(
  name: string,
  help: string,
  type: string,
  samples: readonly Sample[],
): string {
  if (samples.length === 0) {
    return '';
  }
  const sorted = samples.map((sample) => ({
    ...sample,
    labels: [...sample.labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  }));
  // Stable sort: the lines of one histogram series keep their order.
  sorted.sort(compareLabels);
  let text = `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
  for (const sample of sorted) {
    const pairs = sample.labels.map(([label, value]) => `${label}="${escapeLabel(value)}"`);
    if (sample.le !== undefined) {
      pairs.push(`le="${sample.le}"`);
    }
    const labels = pairs.length > 0 ? `{${pairs.join(',')}}` : '';
    text += `${name}${sample.suffix}${labels} ${formatFloat(sample.value)}\n`;
  }
  return text;
}
