import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type Child, type ProcessRegistry, SERVER_CPU } from './processes.js';

/** The two servers compared. */
export type ServerKind = 'go' | 'ours';
export const SERVER_KINDS: readonly ServerKind[] = ['go', 'ours'];
export const SERVER_LABELS: Record<ServerKind, string> = {
  go: 'Go 0.4.1',
  ours: 'spreed-ts',
};

/** Secrets shared by the generated server.conf, the backend and the load clients. */
export interface BenchSecrets {
  hashKey: string;
  blockKey: string;
  internalSecret: string;
  backendSecret: string;
}

export function newSecrets(): BenchSecrets {
  return {
    hashKey: randomBytes(16).toString('hex'),
    // 16 bytes: Go 0.4.1 only accepts AES key lengths (16/24/32).
    blockKey: randomBytes(8).toString('hex'),
    internalSecret: randomBytes(16).toString('hex'),
    backendSecret: randomBytes(16).toString('hex'),
  };
}

/**
 * The server.conf both servers run with. Only the listen port changes between starts. `allowall`
 * plus `allowhttp` because the bench backend is plain http on loopback; `:loopback:` is the
 * in-process bus spelling Go 0.4.1 understands (spreed-ts accepts it and warns).
 */
export function serverConf(secrets: BenchSecrets, port: number): string {
  return `${[
    '[http]',
    `listen = 127.0.0.1:${port}`,
    '[app]',
    'debug = false',
    '[sessions]',
    `hashkey = ${secrets.hashKey}`,
    `blockkey = ${secrets.blockKey}`,
    '[clients]',
    `internalsecret = ${secrets.internalSecret}`,
    '[backend]',
    'allowall = true',
    'allowhttp = true',
    `secret = ${secrets.backendSecret}`,
    'timeout = 10',
    'connectionsperhost = 8',
    '[nats]',
    'url = :loopback:',
    '[mcu]',
    '[turn]',
  ].join('\n')}\n`;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How to run each server. */
export interface ServerCommands {
  /** Go server binary. */
  go: string;
  /** Our `bin/signaling` script (run with this Node). */
  ours: string;
  /** Extra Node flags for our server (e.g. `--cpu-prof`). */
  oursNodeFlags?: readonly string[];
}

/** How {@link ServerLauncher.start} deviates from the common server.conf. */
export interface ServerStartOptions {
  natsUrl?: string;
  natsHeartbeatS?: number;
  readTimeoutS?: number;
}

/** A started server. */
export interface RunningServer {
  readonly kind: ServerKind;
  readonly pid: number;
  readonly port: number;
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly confPath: string;
  readonly logPath: string;
  readonly child: Child;
}

/** Starts and stops servers pinned to the server core, each with a freshly generated config. */
export class ServerLauncher {
  readonly #registry: ProcessRegistry;
  readonly #workDir: string;
  readonly #secrets: BenchSecrets;
  readonly #commands: ServerCommands;
  readonly #pin: boolean;
  #starts = 0;

  constructor(
    registry: ProcessRegistry,
    workDir: string,
    secrets: BenchSecrets,
    commands: ServerCommands,
    pin: boolean,
  ) {
    this.#registry = registry;
    this.#workDir = workDir;
    this.#secrets = secrets;
    this.#commands = commands;
    this.#pin = pin;
  }

  get secrets(): BenchSecrets {
    return this.#secrets;
  }

  /** The command line used for `kind` with config `confPath`, for the report. */
  commandLine(kind: ServerKind, confPath: string): string[] {
    const base = this.#command(kind, confPath);
    return this.#pin ? ['taskset', '-c', String(SERVER_CPU), ...base] : base;
  }

  #command(kind: ServerKind, confPath: string): string[] {
    return kind === 'go'
      ? [this.#commands.go, '-config', confPath]
      : [
          process.execPath,
          ...(this.#commands.oursNodeFlags ?? []),
          this.#commands.ours,
          '-config',
          confPath,
        ];
  }

  /**
   * Starts a server. `natsUrl`: it joins the cluster on that nats-server (`natsHeartbeatS`: with
   * that heartbeat); `readTimeoutS`: `[http] readtimeout`.
   */
  async start(kind: ServerKind, options: ServerStartOptions = {}): Promise<RunningServer> {
    const port = await freePort();
    const n = ++this.#starts;
    const confPath = join(this.#workDir, `server-${n}-${kind}.conf`);
    const logPath = join(this.#workDir, `server-${n}-${kind}.log`);
    let conf = serverConf(this.#secrets, port);
    if (options.natsUrl !== undefined) {
      const heartbeat =
        options.natsHeartbeatS === undefined ? '' : `\nheartbeat = ${options.natsHeartbeatS}`;
      conf = conf.replace('url = :loopback:', `url = ${options.natsUrl}${heartbeat}`);
    }
    if (options.readTimeoutS !== undefined) {
      conf = conf.replace('[http]\n', `[http]\nreadtimeout = ${options.readTimeoutS}\n`);
    }
    writeFileSync(confPath, conf);
    const log = openSync(logPath, 'w');
    let child: Child;
    try {
      const [command, ...args] = this.#command(kind, confPath) as [string, ...string[]];
      child = this.#registry.start(kind, command, args, this.#pin ? SERVER_CPU : undefined, {
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    const server: RunningServer = {
      kind,
      pid: child.pid,
      port,
      wsUrl: `ws://127.0.0.1:${port}/spreed`,
      httpUrl: `http://127.0.0.1:${port}`,
      confPath,
      logPath,
      child,
    };
    try {
      await waitUntilServing(server, 15_000);
    } catch (err) {
      await this.stop(server);
      throw err;
    }
    return server;
  }

  async stop(server: RunningServer): Promise<void> {
    await this.#registry.stop(server.child, 'SIGTERM', 5000);
  }
}

/** Polls `GET /api/v1/welcome` until it answers 200. */
async function waitUntilServing(server: RunningServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  void server.child.exited.then((code) => {
    exited = code;
  });
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Error(`${server.kind} server exited (${exited}); see ${server.logPath}`);
    }
    if (await welcomeAnswers(`${server.httpUrl}/api/v1/welcome`)) {
      return;
    }
    await delay(50);
  }
  throw new Error(`${server.kind} server not serving after ${timeoutMs} ms; see ${server.logPath}`);
}

function welcomeAnswers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}
