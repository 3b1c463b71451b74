import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { TestClient } from '@spreed-ts/testkit';

/** The repository (or clean clone) these compiled tests belong to. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The environment without what `npm test`/`npm run` put into it (npm_config_*, npm_lifecycle_*,
 * npm_package_*), so a nested npm behaves as when a person types the command.
 */
export function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_(config|lifecycle|package|command|execpath|node_execpath)/i.test(key)) {
      env[key] = value;
    }
  }
  return { ...env, ...extra };
}

/** The result of a finished command. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** A started process whose output (stdout and stderr together) is collected. */
export class Started implements AsyncDisposable {
  readonly child: ChildProcess;
  readonly label: string;
  #out = '';

  constructor(
    command: string,
    args: readonly string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv },
  ) {
    this.label = [command, ...args].join(' ');
    // Its own process group, so npm/npx wrappers and what they start stop together.
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? plainEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const collect = (chunk: Buffer): void => {
      this.#out += chunk.toString();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
  }

  get output(): string {
    return this.#out;
  }

  /** Waits for `pattern` in the output; fails on exit or after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.#out);
      if (match) {
        return match;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`${this.label} exited before printing ${pattern}:\n${this.#out}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.label}: no ${pattern} within ${timeoutMs} ms:\n${this.#out}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits for the exit; kills the process group after `timeoutMs`. */
  async finished(timeoutMs: number): Promise<Finished> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
      try {
        await once(this.child, 'exit');
      } finally {
        clearTimeout(timer);
      }
    }
    return { code: this.child.exitCode, signal: this.child.signalCode, out: this.#out };
  }

  /** Signals the whole process group (only ours: it was started detached). */
  kill(signal: NodeJS.Signals): void {
    if (
      this.child.pid !== undefined &&
      this.child.exitCode === null &&
      this.child.signalCode === null
    ) {
      try {
        process.kill(-this.child.pid, signal);
      } catch {
        // Already gone.
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill('SIGTERM');
    await this.finished(5_000);
  }
}

/** Runs a command to its end (killed after `timeoutMs`); never throws for a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Finished> {
  return new Started(command, args, options).finished(options.timeoutMs);
}

/** Like {@link run}, but a non-zero exit is an error that shows the output. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${[command, ...args].join(' ')} exited ${result.code ?? result.signal}:\n${result.out}`,
    );
  }
  return result.out;
}

/**
 * Proves a signaling server serves on `port`: `/api/v1/welcome` answers with upstream's welcome,
 * and a WebSocket client gets the welcome frame and an answer to a hello (an error is an answer).
 */
export async function assertServes(port: number): Promise<{ welcome: unknown; answer: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/welcome`);
  const welcome = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200 || welcome['nextcloud-spreed-signaling'] !== 'Welcome') {
    throw new Error(`unexpected welcome ${response.status} ${JSON.stringify(welcome)}`);
  }
  const client = await TestClient.connect(`ws://127.0.0.1:${port}/spreed`);
  try {
    await client.next('welcome', 5_000);
    const id = client.send({
      type: 'hello',
      hello: {
        version: '1.0',
        auth: { url: 'http://127.0.0.1:1/ocs/v2.php/apps/spreed/api/v1/signaling/backend' },
      },
    });
    const answer = await client.next((frame) => frame.id === id, 10_000);
    return { welcome, answer };
  } finally {
    await client.close();
  }
}
