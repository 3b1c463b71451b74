// The development stack of `npm start` and `npm run start:sfu`: the Talk development backend plus
// our signaling server (and Janus), wired together, with a public room ready to join.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DevBackend } from '../dev-backend.js';
import { freePort } from './free-port.js';
import { type JanusProcess, startJanusProcess } from './janus-process.js';
import { buildServerConf } from './server-conf.js';
import { type SignalingProcess, startSignalingProcess } from './signaling-process.js';

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
  /**
   * Also start Janus (through `<repo>/scripts/start-janus.sh`) and give it to the signaling server
   * (`[mcu] type = janus`). Janus gathers ICE candidates only on `iceAddress`, which must belong to
   * a non-loopback interface (Janus skips those): a LAN address, or 127.0.0.2 on the veth of the
   * network namespace `dev-stack.js --sfu` sets up.
   */
  sfu?: { iceAddress: string; janusScript?: string };
  /** Log sink; default console. */
  log?: (line: string) => void;
}

/** A running development stack. */
export interface DevStack extends AsyncDisposable {
  readonly backend: DevBackend;
  readonly signaling: SignalingProcess;
  /** Janus, with `sfu`. */
  readonly janus: JanusProcess | undefined;
  /** Signaling server base URL (with trailing slash). */
  readonly signalingUrl: string;
  /** The `server.conf` written for the signaling server. */
  readonly configPath: string;
  /** A public room's page URL, `…/call/{token}`. */
  readonly roomUrl: string;
  readonly roomToken: string;
  /** Stops the server, then the backend and Janus; removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/** The repository root, from this file's location (`packages/devbackend/dist/stack/`). */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../../../', import.meta.url));
}

function envPort(name: string): number | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : Number(value);
}

/**
 * Waits until the server's features header lists `mcu`, i.e. it is connected to Janus (the SFU
 * client connects in the background after start-up).
 */
async function waitForSfu(signalingUrl: string, timeoutMs = 15_000): Promise<void> {
  const url = new URL('api/v1/welcome', signalingUrl);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      const features = (response.headers.get('x-spreed-signaling-features') ?? '').split(',');
      if (features.map((f) => f.trim()).includes('mcu')) {
        return;
      }
    } catch {
      // Retried below.
    }
    await sleep(100);
  }
  throw new Error(`the signaling server did not connect to Janus within ${timeoutMs} ms`);
}

/**
 * Starts (Janus,) devbackend and signaling server; rejects, cleaning up, when one of them fails
 * to come up.
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const script = options.signalingScript ?? join(repoRoot(), 'bin', 'signaling');
  if (!existsSync(script)) {
    throw new Error(`signaling server executable not found at ${script} (build it first)`);
  }
  const cleanups: Array<() => Promise<void>> = [];
  const cleanUp = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) {
      await step().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
    }
  };
  try {
    let janus: JanusProcess | undefined;
    if (options.sfu !== undefined) {
      janus = await startJanusProcess({
        script: options.sfu.janusScript ?? join(repoRoot(), 'scripts', 'start-janus.sh'),
        iceAddress: options.sfu.iceAddress,
        // Janus's start-up banner and plugin notices are noise here; errors are not.
        onOutput: (line) => {
          if (/\[(ERR|FATAL)\]/.test(line)) {
            log(`[janus] ${line}`);
          }
        },
      });
      const started = janus;
      cleanups.push(() => started.stop());
    }
    const backend = new DevBackend({
      port: options.devPort ?? envPort('DEV_PORT') ?? 0,
      log: (line) => log(`[devbackend] ${line}`),
    });
    await backend.start();
    cleanups.push(() => backend.close());
    backend.addUser('admin', { displayName: 'Administrator', appPassword: 'admin' });
    const room = backend.createRoom({ name: 'Development room', owner: 'admin' });

    const dir = await mkdtemp(join(tmpdir(), 'spreed-ts-dev-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const port = options.signalingPort ?? envPort('SIGNALING_PORT') ?? (await freePort());
    const configPath = join(dir, 'server.conf');
    const conf = buildServerConf({
      listen: `127.0.0.1:${port}`,
      backendUrl: backend.url,
      secret: backend.secret,
      ...(janus === undefined ? {} : { extra: `[mcu]\ntype = janus\nurl = ${janus.url}\n` }),
    });
    await writeFile(configPath, conf.text, { mode: 0o600 });
    const signalingUrl = `http://127.0.0.1:${port}/`;
    const signaling = await startSignalingProcess({
      script,
      configPath,
      url: signalingUrl,
      ...(options.welcomeTimeoutMs === undefined
        ? {}
        : { welcomeTimeoutMs: options.welcomeTimeoutMs }),
      onOutput: (line) => log(`[signaling] ${line}`),
    });
    cleanups.push(() => signaling.stop());
    if (janus !== undefined) {
      await waitForSfu(signalingUrl);
    }
    backend.setSignalingUrl(signalingUrl);

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= cleanUp();
      return stopping;
    };
    return {
      backend,
      signaling,
      janus,
      signalingUrl,
      configPath,
      roomUrl: `${backend.url}call/${room.token}`,
      roomToken: room.token,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** The banner printed once everything runs. */
export function banner(stack: DevStack): string {
  const ws = `${stack.signalingUrl.replace(/^http/, 'ws')}spreed`;
  return [
    '',
    'spreed-ts development stack is running',
    `  Talk dev backend   ${stack.backend.url}`,
    `  Signaling server   ${stack.signalingUrl}  (WebSocket ${ws})`,
    ...(stack.janus === undefined
      ? []
      : [`  SFU                Janus ${stack.janus.url} (PID ${stack.janus.pid})`]),
    `  Public room        ${stack.roomUrl}`,
    '',
    'Open the room URL in a browser for the call page (microphone in, speakers out), or run',
    `  node packages/cli/dist/main.js join ${stack.roomUrl} --tone 440 --record recordings`,
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
