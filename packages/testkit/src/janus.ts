import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder with the Janus configuration templates shipped in this package. */
export const JANUS_TEMPLATES = fileURLToPath(new URL('../janus/', import.meta.url));

const CONFIG_FILES = [
  'janus.jcfg',
  'janus.plugin.videoroom.jcfg',
  'janus.transport.websockets.jcfg',
] as const;

/** Options of {@link startJanus}. */
export interface StartJanusOptions {
  /** WebSocket port; 0 (default) picks a free one. */
  port?: number;
  /** Address the WebSocket transport listens on (default 127.0.0.1). */
  wsIp?: string;
  /**
   * The only address Janus gathers ICE candidates on and writes into its SDPs (default 127.0.0.2,
   * the veth address of the test network namespace). Empty: Janus's own choice.
   */
  iceAddress?: string;
  /** RTP/RTCP port range (default 20000-40000). */
  rtpPorts?: string;
  /** Janus log level 0-7 (default 4). */
  debugLevel?: number;
  /** How long Janus may take to accept WebSocket connections (default 10 s). */
  startTimeoutMs?: number;
}

/** A Janus process started by {@link startJanus}. */
export interface JanusFixture extends AsyncDisposable {
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** PID of the running Janus (changes on restart). */
  readonly pid: number;
  /** The folder with the rendered configuration and `janus.log`. */
  readonly dir: string;
  /** The log written so far. */
  log(): string;
  /** Kills Janus (SIGKILL by default) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts Janus again with the same configuration and port. */
  restart(): Promise<void>;
  /** Stops Janus and removes its folder. */
  stop(): Promise<void>;
}

/** The Janus binary: `$JANUS_BIN`, else `janus` on the PATH. */
export function janusBinary(): string {
  return process.env.JANUS_BIN ?? 'janus';
}

/** Whether the Janus binary can be run here. */
export function janusInstalled(): boolean {
  // `janus --version` prints the version but exits with 1, so look the binary up instead.
  const result = spawnSync('sh', ['-c', 'command -v "$0"', janusBinary()], { stdio: 'ignore' });
  return result.status === 0;
}

/** The folder with Janus's plugins and transports (`$JANUS_LIBDIR`, else Debian's location). */
export function janusLibDir(): string {
  if (process.env.JANUS_LIBDIR) {
    return process.env.JANUS_LIBDIR;
  }
  for (const base of ['/usr/lib', '/usr/local/lib']) {
    if (existsSync(join(base, 'janus', 'plugins'))) {
      return base;
    }
    let entries: string[] = [];
    try {
      entries = readdirSync(base);
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (existsSync(join(base, entry, 'janus', 'plugins'))) {
        return join(base, entry);
      }
    }
  }
  throw new Error('Janus plugins not found (install the janus package or set JANUS_LIBDIR)');
}

/** A TCP port that was free a moment ago on `host`. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fills the templates' placeholders; returns the file contents by name. */
export function renderJanusConfig(values: {
  libDir: string;
  wsIp: string;
  wsPort: number;
  iceAddress: string;
  rtpPorts: string;
  debugLevel: number;
}): Record<string, string> {
  const replacements: Record<string, string> = {
    '@LIBDIR@': values.libDir,
    '@WS_IP@': values.wsIp,
    '@WS_PORT@': String(values.wsPort),
    '@RTP_PORTS@': values.rtpPorts,
    '@DEBUG_LEVEL@': String(values.debugLevel),
    '@INTERFACE_LINE@': values.iceAddress ? `interface = "${values.iceAddress}"` : '',
    '@ENFORCE_LINE@': values.iceAddress ? `ice_enforce_list = "${values.iceAddress}"` : '',
  };
  const files: Record<string, string> = {};
  for (const name of CONFIG_FILES) {
    let text = readFileSync(join(JANUS_TEMPLATES, name), 'utf8');
    for (const [key, value] of Object.entries(replacements)) {
      text = text.split(key).join(value);
    }
    files[name] = text;
  }
  return files;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts Janus from the installed package with the test configuration (videoroom plugin and
 * WebSocket transport only, no STUN, ICE only on `iceAddress`). Resolves once its WebSocket port
 * accepts connections. Run it inside the test network namespace (see `netns.ts`): Janus ignores
 * loopback interfaces when gathering candidates.
 */
export async function startJanus(options: StartJanusOptions = {}): Promise<JanusFixture> {
  const wsIp = options.wsIp ?? '127.0.0.1';
  const port = options.port || (await freePort(wsIp));
  const dir = mkdtempSync(join(tmpdir(), 'spreed-janus-'));
  const files = renderJanusConfig({
    libDir: janusLibDir(),
    wsIp,
    wsPort: port,
    iceAddress: options.iceAddress ?? '127.0.0.2',
    rtpPorts: options.rtpPorts ?? '20000-40000',
    debugLevel: options.debugLevel ?? 4,
  });
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
  }
  const logPath = join(dir, 'janus.log');
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;

  const launch = async () => {
    writeFileSync(logPath, '', { flag: 'a' });
    const proc = spawn(
      janusBinary(),
      ['-F', dir, '-C', join(dir, 'janus.jcfg'), '-o', '-L', logPath, '-N'],
      { stdio: 'ignore' },
    );
    child = proc;
    const spawned = new Promise<void>((resolve, reject) => {
      proc.once('spawn', resolve);
      proc.once('error', reject);
    });
    await spawned;
    const deadline = Date.now() + startTimeoutMs;
    while (!(await canConnect(wsIp, port))) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`janus exited during startup:\n${tail(logPath)}`);
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`janus did not listen on ${wsIp}:${port} in time:\n${tail(logPath)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) {
      return;
    }
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
    await exited(proc);
    clearTimeout(timer);
  };

  try {
    await launch();
  } catch (err) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const fixture: JanusFixture = {
    url: `ws://${wsIp}:${port}`,
    port,
    get pid() {
      return child?.pid ?? 0;
    },
    dir,
    log: () => readFileSync(logPath, 'utf8'),
    kill,
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    async [Symbol.asyncDispose]() {
      await fixture.stop();
    },
  };
  return fixture;
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
