import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { forwardLines } from './signaling-process.js';

/** Options of {@link startJanusProcess}. */
export interface JanusProcessOptions {
  /** `scripts/start-janus.sh` of this repository. */
  script: string;
  /** The only address Janus gathers ICE candidates on (never a loopback interface's). */
  iceAddress: string;
  /** Janus log level 0–7; default 3 (warnings and errors). */
  debugLevel?: number;
  /** How long Janus may take to listen; default 15 s. */
  startTimeoutMs?: number;
  /** Receives each line of Janus's log. */
  onOutput?: (line: string) => void;
}

/** Janus, started through `scripts/start-janus.sh`. */
export interface JanusProcess {
  /** `ws://127.0.0.1:PORT`, for `[mcu] url`. */
  readonly url: string;
  /** PID of Janus itself (the script's child). */
  readonly pid: number;
  /** Resolves when the script exited (it exits when Janus does). */
  readonly exited: Promise<number | string>;
  /** SIGTERM to the script (which stops Janus and removes its files), SIGKILL to both after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs `start-janus.sh --ice-address ADDRESS` (videoroom and WebSocket transport only, WebSocket on
 * a free port of 127.0.0.1) and resolves once it printed `JANUS_URL` and `JANUS_PID`, i.e. Janus
 * accepts connections. Rejects (after stopping it) when the script exits first or takes too long.
 */
export async function startJanusProcess(options: JanusProcessOptions): Promise<JanusProcess> {
  // Its own process group: Ctrl-C in the terminal must not reach the script (or Janus) directly;
  // stop() stops it, in order with the signaling server.
  const child: ChildProcess = spawn(
    'bash',
    [
      options.script,
      '--ice-address',
      options.iceAddress,
      '--debug-level',
      String(options.debugLevel ?? 3),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const exited = once(child, 'exit').then(([code, signal]) =>
    code === null ? String(signal) : Number(code),
  );
  const recent: string[] = [];
  forwardLines(child.stderr, (line) => {
    recent.push(line);
    recent.splice(0, recent.length - 20);
    options.onOutput?.(line);
  });
  let url: string | undefined;
  let pid: number | undefined;
  const stop = async (graceMs = 5000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }, graceMs);
    await exited;
    clearTimeout(timer);
  };
  const ready = new Promise<void>((resolve, reject) => {
    forwardLines(child.stdout, (line) => {
      const match = /^JANUS_(URL|PID)=(.*)$/.exec(line);
      if (match?.[1] === 'URL') {
        url = match[2];
      } else if (match?.[1] === 'PID') {
        pid = Number(match[2]);
      }
      if (url !== undefined && pid !== undefined) {
        resolve();
      }
    });
    void exited.then((code) =>
      reject(
        new Error(`start-janus.sh exited (${code}) before Janus listened:\n${recent.join('\n')}`),
      ),
    );
    child.once('error', (error) => reject(new Error(`cannot run bash: ${error.message}`)));
  });
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Janus did not listen within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    await stop(1000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { url: url as string, pid: pid as number, exited, stop };
}
