import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serverConf, spawnCollecting, TestClient } from '@spreed-ts/testkit';
import { request, tempDir } from './helpers/ops-env.js';

const binary = fileURLToPath(new URL('../../../bin/signaling', import.meta.url));

/** The running binary and everything it logged. */
interface Running {
  child: ChildProcess;
  output(): string;
  /** Waits until `pattern` matches the output `count` times in total. */
  waitFor(pattern: RegExp, count?: number): Promise<RegExpMatchArray>;
}

function start(config: string): Running {
  const { child, output } = spawnCollecting(process.execPath, [binary, '-config', config]);
  return {
    child,
    output,
    async waitFor(pattern, count = 1) {
      const global = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const matches = [...output().matchAll(global)];
        if (matches.length >= count) {
          return matches[count - 1] as RegExpMatchArray;
        }
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`no ${pattern} (x${count}) in output:\n${output()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

function internalHello(secret: string, backend: string): Record<string, unknown> {
  const random = randomBytes(24).toString('hex');
  const token = createHmac('sha256', secret).update(random).digest('hex');
  return {
    type: 'hello',
    hello: { version: '1.0', auth: { type: 'internal', params: { random, token, backend } } },
  };
}

async function helloReply(client: TestClient, hello: Record<string, unknown>): Promise<string> {
  client.send(hello);
  const reply = await client.next((f) => f.type === 'hello' || f.type === 'error');
  return reply.type === 'hello' ? 'hello' : (reply.error as { code: string }).code;
}

test('reload - SIGHUP applies allowed_ips, log level and backends without dropping connections', {
  timeout: 60_000,
}, async (t) => {
  const dir = tempDir('spreed-reload-');
  t.after(() => dir.dispose());
  const conf = join(dir.path, 'server.conf');
  const secret = 'reload-internal-secret';
  const one = { url: 'https://one.invalid/', secret: 's1' };
  const two = { url: 'https://two.invalid/', secret: 's2' };
  const write = (backends: (typeof one)[], extra: string) =>
    writeFileSync(conf, serverConf({ internalSecret: secret, backends, extraConfig: extra }));

  write([one], '[stats]\nallowed_ips = 192.0.2.1');
  const server = start(conf);
  t.after(() => {
    if (server.child.exitCode === null) {
      server.child.kill('SIGKILL');
    }
  });
  const [, port] = await server.waitFor(/listening address=127\.0\.0\.1:(\d+)/);
  const base = `http://127.0.0.1:${port}/`;
  assert.equal((await request(`${base}metrics`)).status, 403);
  assert.doesNotMatch(server.output(), /stats access denied/);

  const kept = await TestClient.connect(`ws://127.0.0.1:${port}/spreed`);
  assert.equal((await kept.next()).type, 'welcome');
  assert.equal(await helloReply(kept, internalHello(secret, one.url)), 'hello');
  const refused = await TestClient.connect(`ws://127.0.0.1:${port}/spreed`);
  await refused.next('welcome');
  assert.equal(await helloReply(refused, internalHello(secret, two.url)), 'invalid_backend');

  // Debug logging on, a second backend, stats still closed.
  write([one, two], '[app]\ndebug = true\n[stats]\nallowed_ips = 192.0.2.1');
  server.child.kill('SIGHUP');
  await server.waitFor(/configuration reloaded/);
  assert.equal((await request(`${base}metrics`)).status, 403);
  await server.waitFor(/DEBUG stats access denied/);
  const accepted = await TestClient.connect(`ws://127.0.0.1:${port}/spreed`);
  await accepted.next('welcome');
  assert.equal(await helloReply(accepted, internalHello(secret, two.url)), 'hello');

  // Stats opened for loopback.
  write([one, two], '[app]\ndebug = true\n[stats]\nallowed_ips = 127.0.0.1');
  server.child.kill('SIGHUP');
  await server.waitFor(/configuration reloaded/, 2);
  const metrics = await request(`${base}metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /^signaling_backend_current 2$/m);
  assert.equal((await request(`${base}api/v1/stats`)).status, 200);

  // An invalid file is refused and the running configuration kept.
  writeFileSync(conf, '[sessions]\nhashkey =\n[backend]\ntimeout = soon\n');
  server.child.kill('SIGHUP');
  await server.waitFor(/reload failed/);
  assert.equal((await request(`${base}metrics`)).status, 200);

  // The connection from before the reloads is still served.
  assert.equal(kept.isClosed, false);
  kept.send({ type: 'bye', bye: {} });
  assert.equal((await kept.next('bye')).type, 'bye');
  await refused.close();
  await accepted.close();

  server.child.kill('SIGTERM');
  const [code] = (await once(server.child, 'exit')) as [number | null];
  assert.equal(code, 0);
});
