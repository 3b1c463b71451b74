import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link startNats}. */
export interface StartNatsOptions {
  /** The nats-server binary (default: `$NATS_SERVER`, else `nats-server` from PATH or /usr/sbin). */
  binary?: string;
  /** How long to wait for the server to listen (default 10 s). */
  timeoutMs?: number;
  /**
   * Contents of a configuration file (e.g. an `authorization` or `tls` block); the address and
   * port given on the command line win over any in it.
   */
  config?: string;
}

/** A nats-server child process on 127.0.0.1 and a free port. */
export interface NatsServer extends AsyncDisposable {
  /** `nats://127.0.0.1:PORT` (the port stays the same across restarts). */
  readonly url: string;
  readonly port: number;
  /** PID of the current process (changes with {@link restart}). */
  readonly pid: number;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Stops the server (SIGTERM, SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts the server again on the same port (stopping it first if it runs). */
  restart(): Promise<void>;
  /** Output of the current process so far. */
  output(): string;
}

function findBinary(): string {
  const fromEnv = process.env.NATS_SERVER;
  if (fromEnv) {
    return fromEnv;
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir !== '' && existsSync(join(dir, 'nats-server'))) {
      return join(dir, 'nats-server');
    }
  }
  return '/usr/sbin/nats-server';
}

interface Running {
  child: ChildProcess;
  exited: Promise<unknown>;
  output: string[];
}

async function launch(
  binary: string,
  dir: string,
  port: number | undefined,
  timeoutMs: number,
  config: string | undefined,
): Promise<{ running: Running; port: number }> {
  const args = ['-a', '127.0.0.1', '-p', String(port ?? -1), '--ports_file_dir', dir];
  if (config !== undefined) {
    args.unshift('-c', config);
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = once(child, 'exit').catch(() => undefined);
  const failed = once(child, 'error').then(([err]) => err as Error);
  let error: Error | undefined;
  void failed.then((err) => {
    error = err;
  });
  const running: Running = { child, exited, output };
  const file = join(dir, `nats-server_${child.pid}.ports`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (error !== undefined) {
      throw new Error(`could not start ${binary}: ${error.message}`, { cause: error });
    }
    if (child.exitCode !== null) {
      throw new Error(`nats-server exited with ${child.exitCode}: ${output.join('')}`);
    }
    if (existsSync(file)) {
      try {
        const ports = JSON.parse(readFileSync(file, 'utf8')) as { nats?: string[] };
        const url = ports.nats?.[0];
        if (url !== undefined) {
          return { running, port: Number(new URL(url).port) };
        }
      } catch {
        // Being written: try again.
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start in time: ${output.join('')}`);
    }
    await sleep(25);
  }
}

async function terminate(running: Running, signal: NodeJS.Signals): Promise<void> {
  const { child } = running;
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await running.exited;
  clearTimeout(timer);
}

/**
 * Starts a real nats-server on 127.0.0.1 with a port it picks itself (`-p -1`), read from the
 * ports file it writes (the nats.js `nst` launcher's approach). Stop it with `await using` or
 * {@link NatsServer.stop}.
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const binary = options.binary ?? findBinary();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'nats-'));
  let config: string | undefined;
  if (options.config !== undefined) {
    config = join(dir, 'nats-server.conf');
    writeFileSync(config, options.config);
  }
  let current: Running;
  let port: number;
  try {
    ({ running: current, port } = await launch(binary, dir, undefined, timeoutMs, config));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const isRunning = () => current.child.exitCode === null && current.child.signalCode === null;
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    get pid() {
      return current.child.pid ?? 0;
    },
    get running() {
      return isRunning();
    },
    stop: () => terminate(current, 'SIGTERM'),
    kill: () => terminate(current, 'SIGKILL'),
    async restart() {
      await terminate(current, 'SIGTERM');
      // The port may linger for a moment after the old process exits.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          ({ running: current } = await launch(binary, dir, port, timeoutMs, config));
          return;
        } catch (err) {
          if (Date.now() > deadline) {
            throw err;
          }
          await sleep(100);
        }
      }
    },
    output: () => current.output.join(''),
    async [Symbol.asyncDispose]() {
      await terminate(current, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
