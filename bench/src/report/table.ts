import { SERVER_LABELS } from '../harness/server-launcher.js';
import { type Aggregate, type Row, spreadPercent } from './results.js';

/** 3 significant digits, thousands grouped. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1000) {
    return Math.round(value).toLocaleString('en-US');
  }
  if (abs >= 100) {
    return value.toFixed(0);
  }
  if (abs >= 10) {
    return value.toFixed(1);
  }
  if (abs >= 1) {
    return value.toFixed(2);
  }
  return value.toPrecision(2);
}

function cell(agg: Aggregate | undefined, missing: string | undefined, noisy: boolean): string {
  if (!agg) {
    return `n/a${missing ? ` (${shorten(missing, 48)})` : ''}`;
  }
  const spread = agg.n > 1 ? ` ±${spreadPercent(agg).toFixed(0)}%` : '';
  return `${noisy ? '~' : ''}${formatNumber(agg.median)}${spread}`;
}

function ratioCell(row: Row): string {
  if (row.ratio === undefined) {
    return '–';
  }
  const ratio = row.ratio.toFixed(2);
  if (row.better === 'info') {
    return ratio;
  }
  const good = row.better === 'higher' ? row.ratio >= 1 : row.ratio <= 1;
  return `${ratio} ${good ? '✓' : '✗'}`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const HEADER = ['#', 'figure', 'unit', SERVER_LABELS.go, SERVER_LABELS.ours, 'ours/Go'];

function tableCells(rows: readonly Row[]): string[][] {
  return rows.map((row) => [
    String(row.scenario),
    `${row.label}${row.better === 'higher' ? ' ↑' : row.better === 'lower' ? ' ↓' : ''}`,
    row.unit,
    cell(row.values.go, row.missing.go, row.noisy.go === true),
    cell(row.values.ours, row.missing.ours, row.noisy.ours === true),
    ratioCell(row),
  ]);
}

/** The comparison as an aligned plain-text table. */
export function textTable(rows: readonly Row[]): string {
  const cells = [HEADER, ...tableCells(rows)];
  const widths = HEADER.map((_, col) => Math.max(...cells.map((r) => [...(r[col] ?? '')].length)));
  const line = (r: string[]) =>
    r.map((c, col) => c + ' '.repeat((widths[col] ?? 0) - [...c].length)).join('  ');
  const out: string[] = [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  ')];
  let last = -1;
  tableCells(rows).forEach((r, i) => {
    const scenario = rows[i]?.scenario ?? 0;
    if (scenario !== last && last !== -1) {
      out.push('');
    }
    last = scenario;
    out.push(line(r));
  });
  return out.join('\n');
}

/** The comparison as a Markdown table. */
export function markdownTable(rows: readonly Row[]): string {
  const esc = (c: string) => c.replaceAll('|', '\\|');
  return [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i >= 3 ? '---:' : '---')).join('|')}|`,
    ...tableCells(rows).map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Legend printed under either table. */
export const LEGEND =
  'Values are medians over runs; ±x% is half the min–max spread across runs. ↑ higher is better, ↓ lower is better; ✓/✗ says whether ours is at least as good as Go. Runs during which other processes used more than 0.15 cores are dropped when a clean run of the same scenario and server exists; ~ marks values from noisy runs only. CPU rows: 1.00 = one core busy for the whole measured window.';
