import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { batchedWriter, createLogger } from './logger.js';

test('lines of one turn reach the sink in one write, in order', async () => {
  const writes: string[] = [];
  const logger = createLogger(
    'info',
    batchedWriter((text) => writes.push(text)),
  );
  logger.info('one', { a: 1 });
  logger.debug('hidden');
  logger.warn('two', { reason: 'has space' });
  assert.deepEqual(writes, []);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(writes.length, 1);
  const lines = (writes[0] ?? '').split('\n');
  assert.match(lines[0] ?? '', /^\S+Z INFO one a=1$/);
  assert.match(lines[1] ?? '', /^\S+Z WARN two reason="has space"$/);
  assert.equal(lines[2], '');
});

test('a large burst is written before the turn ends', () => {
  const writes: string[] = [];
  const logger = createLogger(
    'info',
    batchedWriter((text) => writes.push(text)),
  );
  for (let i = 0; i < 2000; i++) {
    logger.info('x'.repeat(100));
  }
  assert.ok(writes.length >= 1);
});

test('pending lines are written when the process exits', () => {
  const logger = fileURLToPath(new URL('./logger.js', import.meta.url));
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createLogger } from ${JSON.stringify(logger)}; createLogger('info').info('last words'); process.exit(3);`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(child.status, 3);
  assert.match(child.stderr, /INFO last words\n$/);
});
