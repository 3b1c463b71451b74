import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link startSignalingProcess}. */
export interface SignalingProcessOptions {
  /** The executable script (`<repo>/bin/signaling`); run with the current Node binary. */
  script: string;
  /** Path of the `server.conf`. */
  configPath: string;
  /** Base URL of the server's HTTP listener, e.g. `http://127.0.0.1:8081/`. */
  url: string;
  /** How long to wait for `/api/v1/welcome`; default 15 s. */
  welcomeTimeoutMs?: number;
  /** Receives each output line of the child. */
  onOutput?: (line: string) => void;
}

/** A running signaling server child process. */
export interface SignalingProcess {
  readonly child: ChildProcess;
  /** The body of the welcome response. */
  readonly welcome: unknown;
  /** Resolves with the exit code (or signal name) when the child exits. */
  readonly exited: Promise<number | string>;
  /** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Calls `sink` with each line of `stream`. */
export function forwardLines(
  stream: NodeJS.ReadableStream | null,
  sink: (line: string) => void,
): void {
  let buffer = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl !== -1) {
      sink(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
    }
  });
  stream?.on('end', () => {
    if (buffer !== '') {
      sink(buffer);
    }
  });
}

/**
 * Spawns `node <script> -config <configPath>` and waits until `GET {url}api/v1/welcome` answers
 * 200. Rejects (after killing the child) when the child exits first or the wait times out.
 */
export async function startSignalingProcess(
  options: SignalingProcessOptions,
): Promise<SignalingProcess> {
  const child = spawn(process.execPath, [options.script, '-config', options.configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const recent: string[] = [];
  const sink = (line: string): void => {
    recent.push(line);
    if (recent.length > 20) {
      recent.shift();
    }
    options.onOutput?.(line);
  };
  forwardLines(child.stdout, sink);
  forwardLines(child.stderr, sink);
  const exited = once(child, 'exit').then(([code, signal]) =>
    code === null ? String(signal) : Number(code),
  );
  let exitedEarly: number | string | undefined;
  void exited.then((code) => {
    exitedEarly = code;
  });
  const spawnError = once(child, 'error').then(([error]) => error as Error);

  const stop = async (graceMs = 5000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const welcomeUrl = new URL('api/v1/welcome', options.url);
  const deadline = Date.now() + (options.welcomeTimeoutMs ?? 15_000);
  for (;;) {
    if (exitedEarly !== undefined) {
      throw new Error(
        `signaling server exited (${exitedEarly}) before answering:\n${recent.join('\n')}`,
      );
    }
    const failed = await Promise.race([spawnError, sleep(0).then(() => undefined)]);
    if (failed !== undefined) {
      throw new Error(`could not start ${options.script}: ${failed.message}`, { cause: failed });
    }
    try {
      const response = await fetch(welcomeUrl, { signal: AbortSignal.timeout(1000) });
      if (response.ok) {
        const welcome: unknown = await response.json();
        return { child, welcome, exited, stop };
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`signaling server did not answer ${welcomeUrl.href} in time`);
    }
    await sleep(100);
  }
}
