import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DevBackend, type DevBackendOptions } from '@spreed-ts/devbackend';
import {
  freePort,
  type NatsServer,
  spawnCollecting,
  startNats,
  TestClient,
} from '@spreed-ts/testkit';
import {
  joinAsTalkParticipant,
  postBackendApi,
  ticketHello,
} from '../../server/helpers/talk-steps.js';

const binary = fileURLToPath(new URL('../../../../bin/signaling', import.meta.url));

/** One `bin/signaling` child process of the cluster. */
export interface ServerProcess {
  readonly index: number;
  /** `http://127.0.0.1:PORT/` */
  readonly httpUrl: string;
  /** `ws://127.0.0.1:PORT/spreed` */
  readonly wsUrl: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the process logged so far. */
  output(): string;
  /** Waits until the log matches `pattern` (bounded). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Options of {@link startClusterEnv}. */
export interface ClusterEnvOptions {
  servers?: number;
  /** Extra lines for the backend section (e.g. `sessionlimit = 2`). */
  backendExtra?: string;
  /** Extra sections appended to every server's configuration (e.g. `[mcu]`). */
  extraConfig?: string;
  /** Extra sections for server `i` only, after {@link extraConfig} (e.g. its own proxies). */
  configFor?: (i: number) => string;
  dev?: DevBackendOptions;
}

/** A connected client with its session. */
export interface SignedIn {
  client: TestClient;
  sessionId: string;
  resumeId: string;
}

/** A client in a room, with its Talk session id. */
export interface InRoom extends SignedIn {
  talkSessionId: string;
}

/** A real nats-server, a DevBackend and N signaling server processes clustered over NATS. */
export interface ClusterEnv extends AsyncDisposable {
  nats: NatsServer;
  dev: DevBackend;
  servers: ServerProcess[];
  /** Opens a client to server `i` and consumes the welcome. */
  connect(i: number): Promise<TestClient>;
  /** A client of server `i` that said hello v1 as `userId` (null: guest). */
  hello(i: number, userId: string | null): Promise<SignedIn>;
  /** Like {@link hello}, resolving with the reply frame (hello or error). */
  tryHello(i: number, userId: string | null): Promise<{ client: TestClient; reply: Frame }>;
  /** A client of server `i` in room `token` (Talk session created, joined, own join seen). */
  joined(i: number, token: string, userId: string | null): Promise<InRoom>;
  /** Posts a backend API request to server `i` as Talk would; resolves with the status. */
  backendApi(i: number, roomId: string, body: unknown): Promise<number>;
  /** Waits until server `i` knows `peers` other servers (from its /metrics). */
  waitForPeers(i: number, peers: number, timeoutMs?: number): Promise<void>;
  /**
   * Starts server `i` again (same configuration and port) after it exited or was killed; the new
   * process replaces it in {@link servers}. It is a new member of the cluster (a new server id).
   */
  restart(i: number): Promise<ServerProcess>;
}

type Frame = Awaited<ReturnType<TestClient['next']>>;

function conf(options: {
  port: number;
  nats: string;
  dev: DevBackend;
  keys: { hash: string; block: string; internal: string };
  backendExtra: string;
  extraConfig: string;
}): string {
  return [
    '[http]',
    `listen = 127.0.0.1:${options.port}`,
    '[sessions]',
    `hashkey = ${options.keys.hash}`,
    `blockkey = ${options.keys.block}`,
    '[clients]',
    `internalsecret = ${options.keys.internal}`,
    '[backend]',
    'backends = talk',
    '[talk]',
    `urls = ${options.dev.url}`,
    `secret = ${options.dev.secret}`,
    options.backendExtra,
    '[nats]',
    `url = ${options.nats}`,
    'heartbeat = 1',
    options.extraConfig,
    '',
  ].join('\n');
}

async function spawnServer(
  index: number,
  configPath: string,
  port: number,
): Promise<ServerProcess> {
  const { child, output } = spawnCollecting(process.execPath, [binary, '-config', configPath]);
  const exited = once(child, 'exit').catch(() => undefined);
  const httpUrl = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`server ${index} exited (${child.exitCode}):\n${output()}`);
    }
    try {
      const res = await fetch(`${httpUrl}api/v1/welcome`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        await res.text();
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server ${index} did not start:\n${output()}`);
    }
    await sleep(50);
  }
  const server: ServerProcess = {
    index,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}/spreed`,
    child,
    pid: child.pid ?? 0,
    output,
    async waitForLog(pattern, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(output())) {
        if (Date.now() > until) {
          throw new Error(`server ${index}: no ${pattern} in log:\n${output()}`);
        }
        await sleep(50);
      }
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  return server;
}

/** Starts nats-server, a DevBackend (notifying server 0 only) and the signaling processes. */
export async function startClusterEnv(options: ClusterEnvOptions = {}): Promise<ClusterEnv> {
  const count = options.servers ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const ports: number[] = [];
  const nats = await startNats();
  const dev = new DevBackend(options.dev ?? {});
  const servers: ServerProcess[] = [];
  const clients: TestClient[] = [];
  const cleanup = async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await Promise.all(servers.map((s) => s.kill('SIGTERM')));
    await dev.close();
    await nats[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await dev.start();
    const keys = {
      hash: randomBytes(16).toString('hex'),
      block: randomBytes(8).toString('hex'),
      internal: randomBytes(16).toString('hex'),
    };
    const started = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const port = await freePort();
        ports[i] = port;
        const path = join(dir, `server-${i}.conf`);
        writeFileSync(
          path,
          conf({
            port,
            nats: nats.url,
            dev,
            keys,
            backendExtra: options.backendExtra ?? '',
            extraConfig: [options.extraConfig ?? '', options.configFor?.(i) ?? ''].join('\n'),
          }),
        );
        return spawnServer(i, path, port);
      }),
    );
    servers.push(...started);
  } catch (err) {
    await cleanup();
    throw err;
  }
  dev.setSignalingUrl((servers[0] as ServerProcess).httpUrl);
  const server = (i: number) => servers[i] as ServerProcess;
  const env: ClusterEnv = {
    nats,
    dev,
    servers,
    async connect(i) {
      const client = await TestClient.connect(server(i).wsUrl);
      clients.push(client);
      await client.next('welcome');
      return client;
    },
    async tryHello(i, userId) {
      const client = await env.connect(i);
      client.send(ticketHello(dev, userId));
      const reply = await client.next((f) => f.type === 'hello' || f.type === 'error');
      return { client, reply };
    },
    async hello(i, userId) {
      const { client, reply } = await env.tryHello(i, userId);
      if (reply.type !== 'hello') {
        throw new Error(`hello failed: ${JSON.stringify(reply)}`);
      }
      const body = reply.hello as { sessionid: string; resumeid: string };
      return { client, sessionId: body.sessionid, resumeId: body.resumeid };
    },
    joined(i, token, userId) {
      return joinAsTalkParticipant(dev, token, userId, (id) => env.hello(i, id));
    },
    async backendApi(i, roomId, body) {
      return (await postBackendApi(server(i).httpUrl, dev, roomId, body)).status;
    },
    async waitForPeers(i, peers, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const res = await fetch(`${server(i).httpUrl}metrics`);
          const match = /^signaling_cluster_peers (\d+)$/m.exec(await res.text());
          if (match && Number(match[1]) === peers) {
            return;
          }
        } catch {
          // retry
        }
        if (Date.now() > deadline) {
          throw new Error(`server ${i} does not see ${peers} peers:\n${server(i).output()}`);
        }
        await sleep(50);
      }
    },
    async restart(i) {
      const old = server(i);
      if (old.child.exitCode === null && old.child.signalCode === null) {
        throw new Error(`server ${i} is still running`);
      }
      const restarted = await spawnServer(i, join(dir, `server-${i}.conf`), ports[i] as number);
      servers[i] = restarted;
      return restarted;
    },
    [Symbol.asyncDispose]: cleanup,
  };
  try {
    await Promise.all(servers.map((_, i) => env.waitForPeers(i, count - 1)));
  } catch (err) {
    await cleanup();
    throw err;
  }
  return env;
}
