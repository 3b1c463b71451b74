// The benchmark of issue 7: spreed-ts against the upstream Go server, side by side in one
// invocation. See bench/RESULTS.md for how to read the output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setClientMode } from './client/bench-client.js';
import { startBackendProcess } from './harness/backend-process.js';
import { canPin, GENERATOR_CPU, ProcessRegistry, pinSelf } from './harness/processes.js';
import { newSecrets, ServerLauncher } from './harness/server-launcher.js';
import { parseOptions } from './options.js';
import { loadAverage, machineNotes, oursEntryNote } from './report/machine.js';
import { buildRows } from './report/results.js';
import { LEGEND, markdownTable, textTable } from './report/table.js';
import { runAll } from './runner.js';
import { shapeLabel } from './scenarios/payload.js';

const UPSTREAM_CLIENT_BIN = '/usr/bin/nextcloud-spreed-signaling-client';

async function main(): Promise<number> {
  const defaultOursBin = fileURLToPath(new URL('../../bin/signaling', import.meta.url));
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2), defaultOursBin);
    setClientMode(options.clientMode);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const registry = new ProcessRegistry();
  const workDir = mkdtempSync(join(os.tmpdir(), 'spreed-bench-'));
  // Children are ended by PID on every way out: normal end, error, Ctrl-C, SIGTERM.
  process.on('exit', () => registry.killAllNow());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping ${registry.pids.length} child process(es)`);
    void registry.stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    if (options.pin && !canPin(os.cpus().length)) {
      log('warning: taskset or a second CPU is missing; running unpinned');
      options.pin = false;
    }
    if (options.pin && !pinSelf(GENERATOR_CPU)) {
      log('warning: could not pin the generator; running unpinned');
      options.pin = false;
    }
    const notes = machineNotes(options.goBin);
    const argv = ['node', 'bench/dist/main.js', ...process.argv.slice(2)].join(' ');
    log(`spreed-ts bench (${options.profile.name}): ${argv}`);
    log(
      `machine: ${notes.cpu}, ${notes.cpus} CPUs, ${notes.memoryGiB} GiB, ${notes.kernel}, Node ${notes.node}`,
    );
    log(`Go server: ${notes.goServer}; load average ${notes.loadAverage}`);
    const oursEntry = await oursEntryNote(options.oursBin);
    log(`our server: ${oursEntry}`);
    log(
      `load generator: ${options.clientMode} client (${options.clientMode === 'realistic' ? 'one write per frame, random masks' : 'frames of a tick corked into one write, zero masks'}), payload ${shapeLabel(options.profile.payload)}`,
    );
    log(
      options.pin
        ? 'pinning: servers on CPU 0, generator + backend on CPU 1 (taskset)'
        : 'pinning: off',
    );

    const backend = await startBackendProcess(registry, options.pin);
    const launcher = new ServerLauncher(
      registry,
      workDir,
      newSecrets(),
      {
        go: options.goBin,
        ours: options.oursBin,
        oursNodeFlags: [
          ...(options.cpuProfDir
            ? ['--cpu-prof', '--cpu-prof-interval=50', `--cpu-prof-dir=${options.cpuProfDir}`]
            : []),
          ...options.oursNodeOptions,
        ],
      },
      options.pin,
    );
    const result = await runAll({
      options,
      registry,
      launcher,
      backend,
      upstreamClientBin: UPSTREAM_CLIENT_BIN,
      log,
    });
    const rows = buildRows(result.records);
    log(`\n${textTable(rows)}\n\n${LEGEND}`);
    const notesByScenario = result.records
      .filter(
        (r) =>
          (r.outcome?.notes.length ?? 0) > 0 ||
          r.error !== undefined ||
          r.skipped?.startsWith('failed') === true,
      )
      .map(
        (r) =>
          `- S${r.scenario} ${r.server} run ${r.run}: ${r.error !== undefined ? `ERROR ${r.error}` : (r.outcome?.notes.join('; ') ?? `n/a, ${r.skipped}`)}`,
      );
    log(`\nnotes:\n${notesByScenario.join('\n')}`);
    log(`backend requests: ${JSON.stringify(await backend.counts())}`);
    log(`load average at end: ${loadAverage()}`);
    if (options.markdownPath) {
      const md = [
        `Command: \`${argv}\``,
        '',
        `Machine: ${notes.cpu}, ${notes.cpus} CPUs, ${notes.memoryGiB} GiB, ${notes.kernel}, Node ${notes.node}; ${notes.date}`,
        '',
        `Go server: ${notes.goServer}`,
        '',
        `Our server: ${oursEntry}`,
        '',
        ...Object.entries(result.commands).map(([k, c]) => `- ${k}: \`${c}\``),
        '',
        markdownTable(rows),
        '',
        LEGEND,
        '',
        ...notesByScenario,
        '',
        `Load average: ${notes.loadAverage} at start, ${loadAverage()} at end.`,
      ].join('\n');
      writeFileSync(options.markdownPath, `${md}\n`);
    }
    if (options.jsonPath) {
      writeFileSync(
        options.jsonPath,
        `${JSON.stringify({ notes, options, ...result, rows }, null, 2)}\n`,
      );
    }
    return result.records.some((r) => r.error !== undefined) ? 1 : 0;
  } finally {
    await registry.stopAll();
    if (options.keepLogs) {
      log(`configs and server logs kept in ${workDir}`);
    } else {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}

process.exitCode = await main();
