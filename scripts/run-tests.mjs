#!/usr/bin/env node
// Runs every compiled test file (`*.test.js` under packages/*/dist, tests/dist and bench/dist) with node's test
// runner. Node 20 does not expand globs itself, and helper modules must not be picked up as tests,
// so the list is built here explicitly.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = [
  ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'dist')),
  join(root, 'tests', 'dist'),
  join(root, 'bench', 'dist'),
];

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      collect(path, out);
    } else if (name.endsWith('.test.js')) {
      out.push(path);
    }
  }
  return out;
}

const filter = process.argv.slice(2);
const files = roots
  .flatMap((dir) => collect(dir, []))
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
console.log(`running ${files.length} test files`);
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=2',
    '--test-timeout=120000',
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
