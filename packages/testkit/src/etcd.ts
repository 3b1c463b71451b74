import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './janus.js';

/** Options of {@link startEtcd}. */
export interface StartEtcdOptions {
  /** The etcd binary (default: `$ETCD`, else /usr/bin/etcd). */
  binary?: string;
  /** How long to wait for the server to report healthy (default 15 s). */
  timeoutMs?: number;
  /** Client port to listen on (default: a free one). For "etcd comes up later" tests. */
  clientPort?: number;
  /**
   * Serve clients over TLS with these PEM files and require client certificates signed by `ca`
   * (the fixture's own requests use `cert`/`key` as their client certificate).
   */
  tls?: EtcdTls;
}

/** Files of {@link StartEtcdOptions.tls}. */
export interface EtcdTls {
  cert: string;
  key: string;
  ca: string;
}

/** Options of {@link EtcdServer.restart}. */
export interface EtcdRestartOptions {
  /**
   * Start from an empty data directory instead of the current one: everything stored is gone and
   * the revision counter starts again at 1.
   */
  wipe?: boolean;
  /**
   * With `wipe`: keys to store in the new data directory before the client port opens, so a client
   * reconnecting sees exactly this content (written while listening on a different client port).
   */
  seed?: Readonly<Record<string, string>>;
}

/** A single-member etcd child process on 127.0.0.1 with its own temporary data directory. */
export interface EtcdServer extends AsyncDisposable {
  /** `http(s)://127.0.0.1:PORT` (the port stays the same across restarts). */
  readonly endpoint: string;
  readonly clientPort: number;
  /** PID of the current process (changes with {@link restart}); 0 while stopped. */
  readonly pid: number;
  readonly running: boolean;
  /** Stores `value` under `key` through etcd's HTTP gateway (not through the code under test). */
  put(key: string, value: string): Promise<void>;
  /** Deletes `key` through etcd's HTTP gateway. */
  delete(key: string): Promise<void>;
  /** Stops the server (SIGTERM, SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts the server again on the same client port (stopping it first if it runs). */
  restart(options?: EtcdRestartOptions): Promise<void>;
  /** Output of the current process so far. */
  output(): string;
}

interface Running {
  child: ChildProcess;
  exited: Promise<unknown>;
  output: string[];
}

/** Whether the etcd binary this fixture would run exists. */
export function etcdInstalled(binary = process.env.ETCD ?? '/usr/bin/etcd'): boolean {
  return existsSync(binary);
}

function launch(
  binary: string,
  dataDir: string,
  clientPort: number,
  peerPort: number,
  tls: EtcdTls | undefined,
): Running {
  const client = `${tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name',
    'test',
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    client,
    '--advertise-client-urls',
    client,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `test=${peer}`,
    '--logger',
    'zap',
    '--log-level',
    'warn',
  ];
  if (tls !== undefined) {
    args.push('--cert-file', tls.cert, '--key-file', tls.key, '--trusted-ca-file', tls.ca);
    args.push('--client-cert-auth');
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  child.on('error', (err) => output.push(`spawn error: ${err.message}\n`));
  const exited = once(child, 'exit').catch(() => undefined);
  return { child, exited, output };
}

/** One request to etcd's HTTP side (health, JSON gateway), with the client certificate on TLS. */
function call(
  clientPort: number,
  tls: EtcdTls | undefined,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  if (tls === undefined) {
    return fetch(`http://127.0.0.1:${clientPort}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(5000),
    }).then(async (response) => ({ status: response.status, text: await response.text() }));
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: clientPort,
        path,
        method: body === undefined ? 'GET' : 'POST',
        ca: readFileSync(tls.ca),
        cert: readFileSync(tls.cert),
        key: readFileSync(tls.key),
        timeout: 5000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function waitHealthy(
  running: Running,
  clientPort: number,
  tls: EtcdTls | undefined,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (running.child.exitCode !== null || running.child.signalCode !== null) {
      throw new Error(`etcd exited with ${running.child.exitCode}: ${running.output.join('')}`);
    }
    try {
      const response = await call(clientPort, tls, '/health');
      if ((JSON.parse(response.text) as { health?: string }).health === 'true') {
        return;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      running.child.kill('SIGKILL');
      throw new Error(`etcd did not become healthy in time: ${running.output.join('')}`);
    }
    await sleep(50);
  }
}

async function terminate(running: Running, signal: NodeJS.Signals): Promise<void> {
  const { child } = running;
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await running.exited;
  clearTimeout(timer);
}

async function gateway(
  clientPort: number,
  tls: EtcdTls | undefined,
  path: string,
  body: Record<string, string>,
) {
  const encoded = Object.fromEntries(
    Object.entries(body).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  const response = await call(clientPort, tls, `/v3/kv/${path}`, JSON.stringify(encoded));
  if (response.status !== 200) {
    throw new Error(`etcd ${path} failed: ${response.status} ${response.text}`);
  }
}

/**
 * Starts a real etcd (single member, client and peer URLs on 127.0.0.1 free ports, data in a
 * temporary directory) and waits until `/health` says healthy. Stop it with `await using` or
 * {@link EtcdServer.stop}; disposing also removes the data directories.
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdServer> {
  const binary = options.binary ?? process.env.ETCD ?? '/usr/bin/etcd';
  const timeoutMs = options.timeoutMs ?? 15_000;
  const tls = options.tls;
  const root = mkdtempSync(join(tmpdir(), 'etcd-'));
  const clientPort = options.clientPort ?? (await freePort());
  let peerPort = await freePort();
  let generation = 0;
  let dataDir = join(root, `data-${generation}`);
  let current = launch(binary, dataDir, clientPort, peerPort, tls);
  try {
    await waitHealthy(current, clientPort, tls, timeoutMs);
  } catch (err) {
    await terminate(current, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const isRunning = () => current.child.exitCode === null && current.child.signalCode === null;
  /** Starts on the client port, retrying while the old process's port lingers. */
  const startOnClientPort = async () => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      current = launch(binary, dataDir, clientPort, peerPort, tls);
      try {
        await waitHealthy(current, clientPort, tls, timeoutMs);
        return;
      } catch (err) {
        await terminate(current, 'SIGKILL');
        if (Date.now() > deadline) {
          throw err;
        }
        await sleep(100);
      }
    }
  };
  const server: EtcdServer = {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`,
    clientPort,
    get pid() {
      return isRunning() ? (current.child.pid ?? 0) : 0;
    },
    get running() {
      return isRunning();
    },
    put: (key, value) => gateway(clientPort, tls, 'put', { key, value }),
    delete: (key) => gateway(clientPort, tls, 'deleterange', { key }),
    stop: () => terminate(current, 'SIGTERM'),
    kill: () => terminate(current, 'SIGKILL'),
    async restart(restartOptions: EtcdRestartOptions = {}) {
      await terminate(current, 'SIGTERM');
      if (restartOptions.wipe === true) {
        generation++;
        dataDir = join(root, `data-${generation}`);
        // A new member: a new peer port keeps it apart from the old one's lingering sockets.
        peerPort = await freePort();
        const seed = Object.entries(restartOptions.seed ?? {});
        if (seed.length > 0) {
          const seedPort = await freePort();
          const seeding = launch(binary, dataDir, seedPort, peerPort, tls);
          try {
            await waitHealthy(seeding, seedPort, tls, timeoutMs);
            for (const [key, value] of seed) {
              await gateway(seedPort, tls, 'put', { key, value });
            }
          } finally {
            await terminate(seeding, 'SIGTERM');
          }
        }
      }
      await startOnClientPort();
    },
    output: () => current.output.join(''),
    async [Symbol.asyncDispose]() {
      await terminate(current, 'SIGTERM');
      rmSync(root, { recursive: true, force: true });
    },
  };
  return server;
}
