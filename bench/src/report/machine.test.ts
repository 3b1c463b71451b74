import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { oursEntryNote } from './machine.js';

test('oursEntryNote - says whether bin/signaling runs the bundle or, with a stale bundle, the modules', async (t) => {
  const root = mkdtempSync(join(os.tmpdir(), 'bench-entry-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const repoBin = fileURLToPath(new URL('../../../bin/', import.meta.url));
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(repoBin, 'bundle-state.mjs'), join(root, 'bin/bundle-state.mjs'));
  const oursBin = join(root, 'bin/signaling');
  const bundle = join(root, 'packages/server/dist/bundle');
  mkdirSync(bundle, { recursive: true });
  assert.match(await oursEntryNote(oursBin), /compiled modules \(there is no bundle/);

  const input = 'packages/server/dist/main.js';
  writeFileSync(join(root, input), 'x');
  const { size, mtimeMs } = statSync(join(root, input));
  writeFileSync(
    join(bundle, 'inputs.json'),
    JSON.stringify({ inputs: [{ path: input, size, mtimeMs }] }),
  );
  assert.match(await oursEntryNote(oursBin), /, the bundle$/);

  writeFileSync(join(root, input), 'xy');
  assert.match(
    await oursEntryNote(oursBin),
    /compiled modules \(the bundle is older than packages\/server\/dist\/main\.js/,
  );
});
