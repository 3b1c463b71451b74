import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DevBackend } from '@spreed-ts/devbackend';
import { serverConf, TestClient } from '@spreed-ts/testkit';
import { signIn, ticketHello } from './helpers/talk-steps.js';

const binary = fileURLToPath(new URL('../../../bin/signaling', import.meta.url));

const shutdownScheduled = {
  code: 'shutdown_scheduled',
  message: 'The server is scheduled to shutdown.',
};

interface Server {
  child: ChildProcess;
  wsUrl: string;
  internalSecret: string;
  output(): string;
  waitFor(pattern: RegExp): Promise<void>;
  exited: Promise<number | null>;
  connect(): Promise<TestClient>;
}

/** Starts `bin/signaling` for `dev`; killed (SIGKILL) after the test if still running. */
async function startServer(t: TestContext, dev: DevBackend): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'spreed-usr1-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'server.conf');
  const internalSecret = randomBytes(16).toString('hex');
  writeFileSync(
    conf,
    serverConf({ internalSecret, backends: [{ url: dev.url, secret: dev.secret }] }),
  );
  const child = spawn(process.execPath, [binary, '-config', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const waitFor = async (pattern: RegExp) => {
    const deadline = Date.now() + 15_000;
    while (!pattern.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`no ${pattern} in output: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  await waitFor(/listening address=127\.0\.0\.1:\d+/);
  const port = /listening address=127\.0\.0\.1:(\d+)/.exec(output)?.[1];
  const wsUrl = `ws://127.0.0.1:${port}/spreed`;
  return {
    child,
    wsUrl,
    internalSecret,
    output: () => output,
    waitFor,
    exited,
    async connect() {
      const client = await TestClient.connect(wsUrl);
      t.after(() => client.close());
      assert.equal((await client.next()).type, 'welcome');
      return client;
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

async function startDev(t: TestContext): Promise<DevBackend> {
  const dev = new DevBackend();
  await dev.start();
  t.after(() => dev.close());
  return dev;
}

test('SIGUSR1 - without sessions the server exits 0 at once', { timeout: 30_000 }, async (t) => {
  const dev = await startDev(t);
  const server = await startServer(t, dev);
  // A connection without a session does not hold the shutdown up; it is told to reconnect.
  const idle = await server.connect();
  const sent = Date.now();
  server.child.kill('SIGUSR1');
  assert.equal(await server.exited, 0);
  const took = Date.now() - sent;
  assert.ok(took < 3000, `exited after ${took} ms`);
  assert.equal(await idle.closed, 1012);
  assert.match(server.output(), /all clients disconnected, shutting down/);
  // SIGUSR1 is the server's, not Node's inspector's.
  assert.doesNotMatch(server.output(), /Debugger listening/);
});

test('SIGUSR1 - no new sessions, existing ones go on, exit 0 after the last bye', {
  timeout: 60_000,
}, async (t) => {
  const dev = await startDev(t);
  dev.addUser('alice');
  dev.addUser('bob');
  const server = await startServer(t, dev);
  const alice = await signIn(await server.connect(), ticketHello(dev, 'alice'));
  const bob = await signIn(await server.connect(), ticketHello(dev, 'bob'));
  // An internal client (recording, SIP bridge) does not keep the server up.
  const internal = await server.connect();
  internal.send(internalHello(server.internalSecret, dev.url));
  assert.equal(
    (await internal.next((f) => f.type === 'hello' || f.type === 'error')).type,
    'hello',
  );
  // Connected before the signal, hello after it.
  const late = await server.connect();

  server.child.kill('SIGUSR1');
  await server.waitFor(/received SIGUSR1, shutting down once all clients are gone sessions=2/);
  // New connections are no longer accepted (a load balancer sends them elsewhere).
  await assert.rejects(TestClient.connect(server.wsUrl, { timeoutMs: 3000 }));
  // A new hello on a connection that was already open is refused with upstream's error.
  const id = late.send(ticketHello(dev, 'alice'));
  const refused = await late.next((f) => f.type === 'hello' || f.type === 'error');
  assert.deepEqual(refused, { id, type: 'error', error: shutdownScheduled });
  const internalLate = late.send(internalHello(server.internalSecret, dev.url));
  assert.deepEqual(await late.next((f) => f.type === 'hello' || f.type === 'error'), {
    id: internalLate,
    type: 'error',
    error: shutdownScheduled,
  });
  // Existing sessions keep working.
  alice.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: bob.sessionId }, data: 'still here' },
  });
  const message = await bob.client.next('message');
  assert.equal((message.message as { data: unknown }).data, 'still here');
  // A second SIGUSR1 changes nothing.
  server.child.kill('SIGUSR1');
  await server.waitFor(/received SIGUSR1, shutdown already scheduled sessions=2/);

  bob.client.send({ type: 'bye', bye: {} });
  await bob.client.next('bye');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(server.child.exitCode, null, 'still running while alice is there');
  alice.client.send({ type: 'bye', bye: {} });
  await alice.client.next('bye');
  assert.equal(await server.exited, 0);
  assert.equal(await internal.closed, 1012);
});

test('SIGUSR1 - SIGTERM still stops a server waiting for its clients', {
  timeout: 30_000,
}, async (t) => {
  const dev = await startDev(t);
  dev.addUser('alice');
  const server = await startServer(t, dev);
  const alice = await signIn(await server.connect(), ticketHello(dev, 'alice'));
  server.child.kill('SIGUSR1');
  await server.waitFor(/received SIGUSR1/);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(server.child.exitCode, null);
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  assert.equal(await alice.client.closed, 1012);
});
