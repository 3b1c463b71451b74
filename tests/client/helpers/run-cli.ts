import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `talk` executable. */
export const TALK = fileURLToPath(
  new URL('../../../../packages/cli/dist/main.js', import.meta.url),
);

/** Runs `talk` with `args` (and `env` on top of ours); resolves with exit code and output. */
export function talk(
  args: string[],
  timeoutMs = 30_000,
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TALK, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`talk ${args.join(' ')} timed out\n${out}\n${err}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}
