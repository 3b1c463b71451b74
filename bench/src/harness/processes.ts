import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

/** CPU numbers used for pinning: the server gets one core, the load generator the other. */
export const SERVER_CPU = 0;
export const GENERATOR_CPU = 1;

/** Whether `taskset` exists and the machine has the two cores the pinning plan needs. */
export function canPin(cpuCount: number): boolean {
  return cpuCount >= 2 && spawnSync('taskset', ['-V']).status === 0;
}

/** Pins every thread of this process (libuv pool and V8 helpers included) to `cpu`. */
export function pinSelf(cpu: number): boolean {
  return spawnSync('taskset', ['-a', '-cp', String(cpu), String(process.pid)]).status === 0;
}

/** A child process started by the bench. Its PID is the program's own (taskset execs it). */
export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  readonly label: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/**
 * Owns every process the bench starts and ends them by PID: SIGTERM, a grace period, then SIGKILL.
 * `killAll()` runs from the `finally` of main and from the signal handlers, so nothing outlives
 * the bench, even on error.
 */
export class ProcessRegistry {
  readonly #children = new Map<number, Child>();

  /** Starts `command args` pinned to `cpu` (when `cpu` is a number) and registers it. */
  start(
    label: string,
    command: string,
    args: readonly string[],
    cpu: number | undefined,
    options: SpawnOptions = {},
  ): Child {
    const [file, argv] =
      cpu === undefined ? [command, [...args]] : ['taskset', ['-c', String(cpu), command, ...args]];
    const proc = spawn(file, argv, { stdio: 'ignore', ...options });
    if (proc.pid === undefined) {
      throw new Error(`could not start ${label} (${command})`);
    }
    const pid = proc.pid;
    const exited = new Promise<number | string>((resolve) => {
      proc.once('exit', (code, signal) => {
        this.#children.delete(pid);
        resolve(code ?? signal ?? 'unknown');
      });
      proc.once('error', () => {
        this.#children.delete(pid);
        resolve('spawn-error');
      });
    });
    const child: Child = { pid, process: proc, label, exited };
    this.#children.set(pid, child);
    return child;
  }

  /** Ends one child: `signal`, then SIGKILL after `graceMs`. Resolves when it has exited. */
  async stop(child: Child, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (!this.#children.has(child.pid)) {
      return;
    }
    signalPid(child.pid, signal);
    const timedOut = Symbol('timeout');
    const ac = new AbortController();
    const result = await Promise.race([
      child.exited,
      delay(graceMs, timedOut, { signal: ac.signal }).catch(() => timedOut),
    ]);
    ac.abort();
    if (result === timedOut) {
      signalPid(child.pid, 'SIGKILL');
      await child.exited;
    }
  }

  /** Ends every registered child (in parallel). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#children.values()].map((child) => this.stop(child)));
  }

  /** Synchronous last resort for `process.on('exit')`: SIGKILL by PID. */
  killAllNow(): void {
    for (const pid of this.#children.keys()) {
      signalPid(pid, 'SIGKILL');
    }
    this.#children.clear();
  }

  get pids(): number[] {
    return [...this.#children.keys()];
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Waits for the first line on `child`'s stdout that `match` accepts. */
export async function waitForLine(
  child: Child,
  match: (line: string) => boolean,
  timeoutMs: number,
): Promise<string> {
  const stdout = child.process.stdout;
  if (!stdout) {
    throw new Error(`${child.label}: stdout is not piped`);
  }
  let buffer = '';
  const ac = new AbortController();
  const found = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (match(line)) {
          stdout.off('data', onData);
          resolve(line);
          return;
        }
        newline = buffer.indexOf('\n');
      }
    };
    stdout.on('data', onData);
    child.exited.then(
      (code) => reject(new Error(`${child.label} exited (${code}) before it was ready`)),
      reject,
    );
  });
  try {
    return await Promise.race([
      found,
      delay(timeoutMs, undefined, { signal: ac.signal }).then(() => {
        throw new Error(`${child.label}: not ready after ${timeoutMs} ms`);
      }),
    ]);
  } finally {
    ac.abort();
  }
}
