/**
 * `npm start`: the Talk development backend plus our signaling server, wired together on
 * loopback, with a public room ready to join.
 */
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DevBackend } from './dev-backend.js';
import { freePort } from './stack/free-port.js';
import { buildServerConf } from './stack/server-conf.js';
import { type SignalingProcess, startSignalingProcess } from './stack/signaling-process.js';

/** Options of {@link startDevStack}. */
export interface DevStackOptions {
  /** Devbackend port; default env `DEV_PORT` or 0. */
  devPort?: number;
  /** Signaling server port; default env `SIGNALING_PORT` or a free port. */
  signalingPort?: number;
  /** The signaling executable; default `<repo>/bin/signaling`. */
  signalingScript?: string;
  /** How long to wait for the server's welcome; default 15 s. */
  welcomeTimeoutMs?: number;
  /** Log sink; default console. */
  log?: (line: string) => void;
}

/** A running development stack. */
export interface DevStack extends AsyncDisposable {
  readonly backend: DevBackend;
  readonly signaling: SignalingProcess;
  /** Signaling server base URL (with trailing slash). */
  readonly signalingUrl: string;
  /** The `server.conf` written for the signaling server. */
  readonly configPath: string;
  /** A public room's page URL, `…/call/{token}`. */
  readonly roomUrl: string;
  readonly roomToken: string;
  /** Stops the server, then the backend; removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/** The repository root, from this file's location (`packages/devbackend/dist/`). */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

function envPort(name: string): number | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : Number(value);
}

/** Starts devbackend and signaling server; rejects (cleaning up) when the server fails to come up. */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const script = options.signalingScript ?? join(repoRoot(), 'bin', 'signaling');
  if (!existsSync(script)) {
    throw new Error(`signaling server executable not found at ${script} (build it first)`);
  }
  const backend = new DevBackend({
    port: options.devPort ?? envPort('DEV_PORT') ?? 0,
    log: (line) => log(`[devbackend] ${line}`),
  });
  await backend.start();
  backend.addUser('admin', { displayName: 'Administrator', appPassword: 'admin' });
  const room = backend.createRoom({ name: 'Development room', owner: 'admin' });

  const dir = await mkdtemp(join(tmpdir(), 'spreed-ts-dev-'));
  const port = options.signalingPort ?? envPort('SIGNALING_PORT') ?? (await freePort());
  const configPath = join(dir, 'server.conf');
  const conf = buildServerConf({
    listen: `127.0.0.1:${port}`,
    backendUrl: backend.url,
    secret: backend.secret,
  });
  await writeFile(configPath, conf.text, { mode: 0o600 });
  const signalingUrl = `http://127.0.0.1:${port}/`;
  let signaling: SignalingProcess;
  try {
    signaling = await startSignalingProcess({
      script,
      configPath,
      url: signalingUrl,
      ...(options.welcomeTimeoutMs === undefined
        ? {}
        : { welcomeTimeoutMs: options.welcomeTimeoutMs }),
      onOutput: (line) => log(`[signaling] ${line}`),
    });
  } catch (error) {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  backend.setSignalingUrl(signalingUrl);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await signaling.stop();
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  return {
    backend,
    signaling,
    signalingUrl,
    configPath,
    roomUrl: `${backend.url}call/${room.token}`,
    roomToken: room.token,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The banner printed once everything runs. */
export function banner(stack: DevStack): string {
  const ws = `${stack.signalingUrl.replace(/^http/, 'ws')}spreed`;
  return [
    '',
    'spreed-ts development stack is running',
    `  Talk dev backend   ${stack.backend.url}`,
    `  Signaling server   ${stack.signalingUrl}  (WebSocket ${ws})`,
    `  Public room        ${stack.roomUrl}`,
    '',
    'Connect a client to the room URL: it loads the page for cookies, joins with',
    `  POST ${stack.backend.url}ocs/v2.php/apps/spreed/api/v4/room/${stack.roomToken}/participants/active`,
    `gets the signaling settings from …/api/v3/signaling/settings?token=${stack.roomToken}`,
    `and connects to ${ws}. User "admin" (password "admin") owns the room.`,
    `server.conf: ${stack.configPath}`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let stack: DevStack;
  try {
    stack = await startDevStack();
  } catch (error) {
    console.error(`dev stack failed to start: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
    return;
  }
  console.log(banner(stack));
  let shuttingDown = false;
  const shutdown = (code: number): void => {
    if (shuttingDown) {
      return;
    }
    shuttingDown = true;
    void stack.stop().then(() => process.exit(code));
  };
  process.once('SIGINT', () => shutdown(0));
  process.once('SIGTERM', () => shutdown(0));
  void stack.signaling.exited.then((code) => {
    if (!shuttingDown) {
      console.error(`signaling server exited (${code}); stopping`);
      shutdown(1);
    }
  });
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) {
    return false;
  }
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  void main();
}
