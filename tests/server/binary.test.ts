import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CollectedProcess, serverConf, spawnCollecting, TestClient } from '@spreed-ts/testkit';

const binary = fileURLToPath(new URL('../../../bin/signaling', import.meta.url));

type Run = CollectedProcess;

function run(args: string[]): Run {
  return spawnCollecting(process.execPath, [binary, ...args]);
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) {
    return child.exitCode;
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

async function waitFor(run: Run, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(run.output());
    if (match) {
      return match;
    }
    if (Date.now() > deadline || run.child.exitCode !== null) {
      throw new Error(`no ${pattern} in output: ${run.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('binary - -version prints the version and exits 0', { timeout: 20_000 }, async () => {
  for (const flag of ['-version', '--version']) {
    const r = run([flag]);
    assert.equal(await exitCode(r.child), 0);
    assert.match(r.output(), /^spreed-ts signaling server version \d+\.\d+\.\d+\n$/);
  }
});

test('binary - starts from a server.conf, serves, and shuts down cleanly on SIGTERM', {
  timeout: 30_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spreed-bin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'server.conf');
  writeFileSync(
    conf,
    serverConf({ internalSecret: 'x', backends: [{ url: 'http://127.0.0.1:1/', secret: 's' }] }) +
      '[grpc]\nlisten = 127.0.0.1:9090\n',
  );
  const r = run(['-config', conf]);
  t.after(() => {
    if (r.child.exitCode === null) {
      r.child.kill('SIGKILL');
    }
  });
  const [, port] = await waitFor(r, /listening address=127\.0\.0\.1:(\d+)/);
  assert.match(r.output(), /not implemented.*\[grpc\] listen/);
  const client = await TestClient.connect(`ws://127.0.0.1:${port}/spreed`);
  assert.equal((await client.next()).type, 'welcome');
  r.child.kill('SIGTERM');
  assert.equal(await exitCode(r.child), 0);
  assert.equal(await client.closed, 1012);
});

test('binary - an invalid value stops startup naming section, key and value', {
  timeout: 20_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spreed-bin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'server.conf');
  writeFileSync(
    conf,
    '[http]\nlisten = 127.0.0.1:0\n[sessions]\nhashkey = k\n[backend]\ntimeout = soon\n',
  );
  const r = run(['--config', conf]);
  assert.equal(await exitCode(r.child), 1);
  assert.match(r.output(), /\[backend\] timeout.*soon/);
  const missing = run(['-config', join(dir, 'nope.conf')]);
  assert.equal(await exitCode(missing.child), 1);
  assert.match(missing.output(), /nope\.conf/);
  const badFlag = run(['-frobnicate']);
  assert.equal(await exitCode(badFlag.child), 2);
});
