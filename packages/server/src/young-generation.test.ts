import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { growthFactor, sizedByOperator } from './young-generation.js';

const MIB = 1024 * 1024;

test('the young generation doubles while the result stays within the cap', () => {
  assert.equal(growthFactor(2 * MIB, 8 * MIB), 2);
  assert.equal(growthFactor(4 * MIB, 8 * MIB), 2);
  assert.equal(growthFactor(8 * MIB, 8 * MIB), 1);
  assert.equal(growthFactor(16 * MIB, 8 * MIB), 1);
  assert.equal(growthFactor(4 * MIB, 6 * MIB), 1);
});

test('Node options that size the young generation turn the cap off', () => {
  assert.equal(sizedByOperator(['--max-semi-space-size=4']), true);
  assert.equal(sizedByOperator(['--max_semi_space_size', '4']), true);
  assert.equal(sizedByOperator(['--min-semi-space-size=1']), true);
  assert.equal(sizedByOperator(['--semi-space-growth-factor=3']), true);
  assert.equal(sizedByOperator(['--max-old-space-size=100', '--enable-source-maps', '']), false);
});

// The growth factor is set after collections, from a performance observer (a turn or two late):
// collections in between can still double the young generation once past the cap. Uncapped, this
// load grows it to V8's limit of 32 MiB.
test('a process keeps its young generation near the cap while survivors pile up', () => {
  const module = fileURLToPath(new URL('./young-generation.js', import.meta.url));
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const { capYoungGeneration } = await import(${JSON.stringify(module)});
    const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    capYoungGeneration(4 * 1024 * 1024, []);
    const keep = [];
    let max = 0;
    for (let round = 0; round < 400; round++) {
      for (let i = 0; i < 2000; i++) keep.push({ i, s: 'x' + i, a: [i] });
      await new Promise((resolve) => setImmediate(resolve));
      max = Math.max(max, young());
    }
    process.stdout.write(String(max));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  assert.ok(Number(child.stdout) <= 2 * 4 * MIB, `young generation grew to ${child.stdout} bytes`);
});
