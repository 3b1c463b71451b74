import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@spreed-ts/testkit';

const OUR_PROXY_BIN = fileURLToPath(new URL('../../../../bin/proxy', import.meta.url));

/**
 * How to run a signaling proxy: any program that takes upstream's `proxy.conf` format with
 * `-config <file>`. Debian's Go binary is {@link GO_PROXY}; our own `bin/proxy` plugs in the same
 * way once it exists, so "our server ↔ our proxy" is one more launcher.
 */
export interface ProxyLauncher {
  /** Shown in test names. */
  name: string;
  command: string;
  args(configPath: string): string[];
  /** Whether the program can run here (tests of a missing one fail with this reason). */
  available(): boolean;
}

/** Debian's nextcloud-spreed-signaling-proxy 0.4.1. */
export const GO_PROXY: ProxyLauncher = {
  name: 'go-proxy-0.4.1',
  command: process.env.GO_PROXY_BIN ?? '/usr/bin/nextcloud-spreed-signaling-proxy',
  args: (configPath) => ['-config', configPath],
  available: () =>
    existsSync(process.env.GO_PROXY_BIN ?? '/usr/bin/nextcloud-spreed-signaling-proxy'),
};

/** Our `bin/proxy` (compiled files of this checkout; `npx tsc -b` first). */
export const OUR_PROXY: ProxyLauncher = {
  name: 'spreed-ts-proxy',
  command: process.execPath,
  args: (configPath) => [OUR_PROXY_BIN, '-config', configPath],
  available: () => existsSync(OUR_PROXY_BIN),
};

/** Both proxies, for tests that run against each. */
export const PROXY_LAUNCHERS: readonly ProxyLauncher[] = [GO_PROXY, OUR_PROXY];

/** Options of {@link startProxy}. */
export interface StartProxyOptions {
  launcher?: ProxyLauncher;
  /** Janus WebSocket URL the proxy uses. */
  janusUrl: string;
  /** `[tokens]`: token id -> public key PEM of the signaling server. */
  tokens: Record<string, string>;
  /** `[app] country`. */
  country?: string;
  /** `[mcu] maxstreambitrate` / `maxscreenbitrate` of the proxy. */
  maxStreamBitrate?: number;
  maxScreenBitrate?: number;
}

/** A running proxy process. */
export interface ProxyProcess extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/` (the base URL a server's `[mcu] url` names). */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Output so far (stdout and stderr). */
  log(): string;
  /** Kills the process (SIGKILL by default) by its PID and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same configuration and port. */
  restart(): Promise<void>;
  /** The proxy's Prometheus metrics text. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

function waitForPort(port: number, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        reject(new Error(`proxy exited (${proc.exitCode ?? proc.signalCode}) before listening`));
        return;
      }
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) {
          reject(new Error(`proxy did not listen on ${port} within ${timeoutMs} ms`));
        } else {
          setTimeout(attempt, 50);
        }
      });
    };
    attempt();
  });
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

/** Writes a proxy.conf and starts the proxy on a free port; it runs until stopped or killed. */
export async function startProxy(options: StartProxyOptions): Promise<ProxyProcess> {
  const launcher = options.launcher ?? GO_PROXY;
  if (!launcher.available()) {
    throw new Error(`${launcher.name} is not installed (${launcher.command})`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'spreed-proxy-'));
  const port = await freePort();
  const tokenLines: string[] = [];
  for (const [id, pem] of Object.entries(options.tokens)) {
    const file = join(dir, `${id}.pub.pem`);
    await writeFile(file, pem);
    tokenLines.push(`${id} = ${file}`);
  }
  const configPath = join(dir, 'proxy.conf');
  await writeFile(
    configPath,
    [
      '[http]',
      `listen = 127.0.0.1:${port}`,
      '[app]',
      'debug = false',
      ...(options.country === undefined ? [] : [`country = ${options.country}`]),
      'tokentype = static',
      '[tokens]',
      ...tokenLines,
      '[mcu]',
      'type = janus',
      `url = ${options.janusUrl}`,
      `maxstreambitrate = ${options.maxStreamBitrate ?? 1_048_576}`,
      `maxscreenbitrate = ${options.maxScreenBitrate ?? 2_097_152}`,
      '[stats]',
      'allowed_ips = 127.0.0.1',
      '',
    ].join('\n'),
  );
  let output = '';
  let proc: ChildProcess;
  const launch = async () => {
    proc = spawn(launcher.command, launcher.args(configPath), {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    await waitForPort(port, proc, 10_000);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      process.kill(proc.pid, signal);
    }
    const gone = exited(proc);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
    await gone;
    clearTimeout(timer);
  };
  await launch();
  const url = `http://127.0.0.1:${port}/`;
  const fixture: ProxyProcess = {
    url,
    port,
    get pid() {
      return proc.pid ?? -1;
    },
    log: () => output,
    kill,
    restart: launch,
    async metrics() {
      const response = await fetch(`${url}metrics`);
      return response.text();
    },
    async stop() {
      await kill('SIGTERM').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]() {
      return fixture.stop();
    },
  };
  return fixture;
}
