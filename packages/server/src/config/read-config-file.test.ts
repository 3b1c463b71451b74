import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConfigFile } from './read-config-file.js';

test('config file - read whole, refused past the limit, devices included', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'server.conf');
  const text = `[http]\nlisten = 127.0.0.1:8080\n# ü ${'x'.repeat(100_000)}\n`;
  writeFileSync(path, text);
  assert.equal(readConfigFile(path), text);
  assert.throws(() => readConfigFile(path, 50_000), /larger than 50000 bytes/);
  // A device whose size says 0 but never ends.
  assert.throws(() => readConfigFile('/dev/zero', 1_000_000), /larger than 1000000 bytes/);
  assert.throws(() => readConfigFile(join(dir, 'missing.conf')), /ENOENT/);
});
