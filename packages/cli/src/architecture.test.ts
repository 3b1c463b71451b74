import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

test('architecture - the CLI uses only the client package (and node built-ins)', () => {
  const problems: string[] = [];
  for (const name of readdirSync(SRC).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(`${SRC}${name}`, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
      const specifier = m[1] as string;
      if (
        !specifier.startsWith('.') &&
        !specifier.startsWith('node:') &&
        specifier !== '@spreed-ts/client'
      ) {
        problems.push(`${name} → ${specifier}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
