import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

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

/**
 * What `bin/signaling` at `oursBin` runs: the bundle, or the compiled modules when the bundle is
 * older than its sources (after a bare `tsc -b`), which changes memory and CPU figures.
 */
export async function oursEntryNote(oursBin: string): Promise<string> {
  const root = join(dirname(oursBin), '..', '/');
  const helper = pathToFileURL(join(dirname(oursBin), 'bundle-state.mjs')).href;
  let staleBundleInput: (root: string, bundleDir: string) => string | undefined;
  try {
    ({ staleBundleInput } = (await import(helper)) as {
      staleBundleInput: typeof staleBundleInput;
    });
  } catch {
    return `${oursBin} (cannot tell whether it runs the bundle)`;
  }
  const stale = staleBundleInput(root, join(root, 'packages/server/dist/bundle'));
  if (stale === undefined) {
    return `${oursBin}, the bundle`;
  }
  const why = stale === 'missing' ? 'there is no bundle' : `the bundle is older than ${stale}`;
  return `${oursBin}, the compiled modules (${why}: run npm run build for the bundle's figures)`;
}
