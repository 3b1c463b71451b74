// Combines the raw results (`--json FILE`) of several bench invocations into one table:
// `node bench/dist/merge.js a.json b.json [--markdown]`. Medians then run over every run of every
// file, noisy runs dropped where clean ones exist, so the ± spread shows run-to-run noise across
// invocations.
import { readFileSync } from 'node:fs';
import { buildRows, type RunRecord } from './report/results.js';
import { LEGEND, markdownTable, textTable } from './report/table.js';

const NOISE_LIMIT = 0.15;

const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const files = args.filter((a) => a !== '--markdown');
if (files.length === 0) {
  process.stderr.write('usage: node bench/dist/merge.js RESULTS.json... [--markdown]\n');
  process.exit(2);
}
const records: RunRecord[] = files.flatMap((file) => {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { records: RunRecord[] };
  return parsed.records.map((r) => ({
    ...r,
    noisy: r.noisy ?? (r.outcome?.foreignCpu ?? 0) > NOISE_LIMIT,
  }));
});
const rows = buildRows(records);
process.stdout.write(`${markdown ? markdownTable(rows) : textTable(rows)}\n\n${LEGEND}\n`);
