// `[backend] backendtype = etcd` end to end: bin/signaling started from a server.conf as an admin
// would, a real etcd, and the development backend as the Nextcloud whose entry is put into etcd,
// changed and deleted while the server runs.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DevBackend } from '@spreed-ts/devbackend';
import { spawnCollecting, startEtcd, TestClient } from '@spreed-ts/testkit';

const binary = fileURLToPath(new URL('../../../bin/signaling', import.meta.url));
const PREFIX = '/test/signaling/backend';

interface HelloResult {
  type: string;
  code?: string;
  message?: string;
}

/** One hello v1 from a new connection. */
async function hello(wsUrl: string, backendUrl: string, ticket: string): Promise<HelloResult> {
  const client = await TestClient.connect(wsUrl);
  try {
    await client.next('welcome');
    client.send({
      type: 'hello',
      hello: { version: '1.0', auth: { url: backendUrl, params: { userid: 'alice', ticket } } },
    });
    const reply = await client.next((f) => f.type === 'hello' || f.type === 'error');
    const error = reply.error as { code: string; message: string } | undefined;
    return { type: reply.type, ...(error ? { code: error.code, message: error.message } : {}) };
  } finally {
    await client.close();
  }
}

/** Repeats `attempt` until `done` holds for its result (etcd changes arrive asynchronously). */
async function eventually(
  attempt: () => Promise<HelloResult>,
  done: (result: HelloResult) => boolean,
  what: string,
): Promise<HelloResult> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = await attempt();
    if (done(result)) {
      return result;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last reply ${JSON.stringify(result)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('backendtype = etcd - backends put, changed and deleted in etcd apply to new hellos', {
  timeout: 60_000,
}, async (t) => {
  await using etcd = await startEtcd();
  const dev = new DevBackend();
  await dev.start();
  t.after(() => dev.close());
  dev.addUser('alice', { displayName: 'Alice' });

  const dir = mkdtempSync(join(tmpdir(), 'spreed-etcd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'server.conf');
  writeFileSync(
    conf,
    [
      '[http]',
      'listen = 127.0.0.1:0',
      '[sessions]',
      'hashkey = 0123456789abcdef0123456789abcdef',
      '[backend]',
      'backendtype = etcd',
      `backendprefix = ${PREFIX}`,
      '[etcd]',
      `endpoints = 127.0.0.1:${etcd.clientPort}`,
      '',
    ].join('\n'),
  );
  const { child, output } = spawnCollecting(process.execPath, [binary, '-config', conf]);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  });
  const deadline = Date.now() + 15_000;
  let port: string | undefined;
  while (port === undefined) {
    port = /listening address=127\.0\.0\.1:(\d+)/.exec(output())?.[1];
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`the server did not start: ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(output(), /backends read from etcd/);
  assert.doesNotMatch(output(), /not implemented.*backendtype/);
  const wsUrl = `ws://127.0.0.1:${port}/spreed`;
  const ticket = () => dev.ticketFor('alice');

  // Nothing in etcd yet: the development backend is as unknown as any other URL.
  const unknown = await hello(wsUrl, 'http://unknown.invalid/', ticket());
  assert.equal(unknown.code, 'invalid_backend');
  assert.deepEqual(await hello(wsUrl, dev.url, ticket()), unknown);

  // Put at run time: hellos with that backend work, no restart.
  const key = `${PREFIX}/dev`;
  await etcd.put(key, JSON.stringify({ urls: [dev.url], secret: dev.secret }));
  await eventually(
    () => hello(wsUrl, dev.url, ticket()),
    (r) => r.type === 'hello',
    'the backend',
  );
  assert.match(output(), /backend added from etcd/);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /^signaling_backend_current 1$/m);
  // SIGHUP reloads server.conf but keeps the backends that came from etcd.
  child.kill('SIGHUP');
  await eventually(
    async () => ({ type: /configuration reloaded/.test(output()) ? 'reloaded' : '' }),
    (r) => r.type === 'reloaded',
    'the reload',
  );
  assert.equal((await hello(wsUrl, dev.url, ticket())).type, 'hello');

  // A changed secret takes effect: a wrong one makes the backend refuse the server's request.
  await etcd.put(key, JSON.stringify({ urls: [dev.url], secret: 'not-the-secret' }));
  const refused = await eventually(
    () => hello(wsUrl, dev.url, ticket()),
    (r) => r.type === 'error',
    'the wrong secret to apply',
  );
  assert.notEqual(refused.code, 'invalid_backend');
  await etcd.put(key, JSON.stringify({ url: dev.url, secret: dev.secret }));
  await eventually(
    () => hello(wsUrl, dev.url, ticket()),
    (r) => r.type === 'hello',
    'the right secret again (legacy "url")',
  );

  // An invalid entry is logged and leaves the backend as it was.
  await etcd.put(key, JSON.stringify({ urls: [dev.url] }));
  await eventually(
    async () => ({
      type: /ignoring invalid etcd value.*secret missing/.test(output()) ? 'logged' : '',
    }),
    (r) => r.type === 'logged',
    'the log line',
  );
  assert.equal((await hello(wsUrl, dev.url, ticket())).type, 'hello');

  // Deleted: new hellos are refused exactly like those of an unknown backend.
  await etcd.delete(key);
  const gone = await eventually(
    () => hello(wsUrl, dev.url, ticket()),
    (r) => r.type === 'error',
    'the backend to be removed',
  );
  assert.deepEqual(gone, unknown);
  assert.match(output(), /backend removed from etcd/);

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, output());
});

test('backendtype = etcd - without [etcd] endpoints startup stops naming the option', {
  timeout: 20_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spreed-etcd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'server.conf');
  writeFileSync(conf, '[sessions]\nhashkey = k\n[backend]\nbackendtype = etcd\n');
  const { child, output } = spawnCollecting(process.execPath, [binary, '-config', conf]);
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 1);
  assert.match(output(), /\[backend\] backendtype: etcd needs \[etcd\] endpoints/);
});
