import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Facts about the machine and the programs, for the report. */
export interface MachineNotes {
  cpu: string;
  cpus: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  goServer: string;
  loadAverage: string;
  date: string;
}

function firstLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 5000 });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

function debianVersion(pkg: string): string {
  // dpkg's own format syntax, not a template placeholder.
  const format = ['-f=$', '{Version}'].join('');
  const line = firstLine('dpkg-query', ['-W', format, pkg]);
  return line === '' ? 'unknown' : line;
}

/** The current 1/5/15 minute load averages. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ');
  }
}

export function machineNotes(goBin: string): MachineNotes {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    goServer: `${firstLine(goBin, ['-version'])} (Debian package nextcloud-spreed-signaling ${debianVersion('nextcloud-spreed-signaling')})`,
    loadAverage: loadAverage(),
    date: new Date().toISOString(),
  };
}
