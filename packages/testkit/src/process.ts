import { type ChildProcess, spawn } from 'node:child_process';

/** A child process whose stdout and stderr are gathered into one text. */
export interface CollectedProcess {
  child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved as they arrived. */
  output(): string;
}

/** Spawns `command` with `args` (no stdin) and gathers what it writes on stdout and stderr. */
export function spawnCollecting(command: string, args: readonly string[]): CollectedProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  return { child, output: () => output };
}
