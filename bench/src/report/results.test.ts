import assert from 'node:assert/strict';
import test from 'node:test';
import { aggregate, buildRows, type RunRecord, spreadPercent } from './results.js';
import { markdownTable, textTable } from './table.js';

const record = (server: 'go' | 'ours', run: number, value: number): RunRecord => ({
  scenario: 2,
  title: 'messages',
  server,
  run,
  seconds: 1,
  outcome: {
    metrics: [{ key: 'rate', label: 'delivered/s', unit: '/s', value, better: 'higher' }],
    serverCpu: 1,
    generatorCpu: 0.5,
    notes: [],
  },
});

test('aggregate - median and spread over runs', () => {
  const agg = aggregate([3, 1, 2, 10]);
  assert.deepEqual(agg, { median: 2.5, min: 1, max: 10, n: 4 });
  assert.equal(spreadPercent({ median: 100, min: 90, max: 110, n: 2 }), 10);
  assert.equal(aggregate([]), undefined);
});

test('buildRows - ratio is ours over Go of the medians; missing servers say why', () => {
  const rows = buildRows([record('go', 1, 100), record('go', 2, 120), record('ours', 1, 55)]);
  const rate = rows.find((r) => r.key === 'rate');
  assert.equal(rate?.values.go?.median, 110);
  assert.equal(rate?.ratio, 0.5);
  const skipped: RunRecord = {
    scenario: 3,
    title: 'fan-out',
    server: 'ours',
    run: 1,
    seconds: 0,
    skipped: 'needs roomJoin',
  };
  const withSkip = buildRows([skipped]);
  assert.equal(withSkip[0]?.missing.ours, 'needs roomJoin');
  assert.match(textTable(withSkip), /n\/a \(needs roomJoin\)/);
  assert.match(markdownTable(rows), /\| 2 \| delivered\/s ↑ \|/);
});

test('buildRows - noisy runs are dropped when a clean run exists, kept and marked otherwise', () => {
  const noisy = (r: RunRecord): RunRecord => ({ ...r, noisy: true });
  const rows = buildRows([
    record('go', 1, 100),
    noisy(record('go', 2, 10)),
    noisy(record('ours', 1, 50)),
  ]);
  const rate = rows.find((r) => r.key === 'rate');
  assert.equal(rate?.values.go?.median, 100);
  assert.equal(rate?.noisy.go, undefined);
  assert.equal(rate?.noisy.ours, true);
  assert.match(textTable(rows), /~50/);
});
