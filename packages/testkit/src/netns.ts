import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  NETNS_ADDRESS,
  netnsUnavailable as namespaceUnavailable,
  spawnInNetns,
} from '@spreed-ts/devbackend';
import { janusInstalled } from './janus.js';
import type { NetnsResult } from './netns-reporter.js';

/** Set (to `1`) in the environment of a test file running inside its network namespace. */
export const NETNS_ENV = 'SPREED_TEST_NETNS';

/** The address Janus gathers candidates on inside the namespace (see `janus-on-loopback.md`). */
export const NETNS_ICE_ADDRESS = NETNS_ADDRESS;

/**
 * The environment of the inner run: ours plus {@link NETNS_ENV}, minus the marker with which the
 * outer test runner makes its child processes report in its binary protocol (the inner run must use
 * the reporters given on its command line).
 */
function innerEnv(tmp: string): NodeJS.ProcessEnv {
  // Temporary files of the inner run (Janus configurations, logs) go below `tmp`, which the outer
  // run removes whatever happened inside.
  const env: NodeJS.ProcessEnv = { ...process.env, [NETNS_ENV]: '1', TMPDIR: tmp };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** Whether this process is a test file running inside its namespace. */
export function insideTestNetns(): boolean {
  return process.env[NETNS_ENV] === '1';
}

/** Why the namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(options: { janus?: boolean } = {}): string | undefined {
  const missing = namespaceUnavailable();
  if (missing !== undefined) {
    return missing;
  }
  if (options.janus !== false && !janusInstalled()) {
    return 'janus not installed (Debian package janus)';
  }
  return undefined;
}

/** Options of {@link runInTestNetns}. */
export interface RunInTestNetnsOptions {
  /** The whole run is killed after this long (default 100 s; the runner allows 120 s per file). */
  timeoutMs?: number;
  /** Whether the file needs Janus (default true). */
  janus?: boolean;
}

/**
 * Runs the calling test file again inside a private network and PID namespace and reports its
 * results as tests of this process. Call it from the file's top level when
 * {@link insideTestNetns} is false; the inner run defines the real tests.
 *
 * Cleanup does not depend on the tests: the inner process is PID 1 of its PID namespace, so when it
 * ends (or `unshare` is killed at the timeout) the kernel kills every process it started, Janus
 * included, and the network namespace disappears with its last process.
 *
 * Without root, `unshare`, `ip` or Janus the file's tests are skipped, except under CI (`CI=true`),
 * where that is a failure.
 */
export async function runInTestNetns(
  fileUrl: string,
  options: RunInTestNetnsOptions = {},
): Promise<void> {
  const file = fileURLToPath(fileUrl);
  const label = basename(file);
  const missing = netnsUnavailable(options.janus === false ? { janus: false } : {});
  if (missing !== undefined) {
    if (process.env.CI === 'true') {
      test(`${label}: network namespace`, () => {
        throw new Error(`cannot run: ${missing}`);
      });
    } else {
      test(`${label}: network namespace`, { skip: missing }, () => undefined);
    }
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'spreed-netns-'));
  const resultsPath = join(dir, 'results.jsonl');
  const reporter = fileURLToPath(new URL('./netns-reporter.js', import.meta.url));
  const timeoutMs = options.timeoutMs ?? 100_000;
  const started = Date.now();
  const child = spawnInNetns(
    process.execPath,
    [
      `--test-reporter=${reporter}`,
      `--test-reporter-destination=${resultsPath}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stderr',
      file,
    ],
    { env: innerEnv(dir), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    process.stderr.write(chunk);
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const status = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: 'spawn failed' }));
  });
  clearTimeout(timer);
  const results: NetnsResult[] = [];
  let complete = false;
  try {
    for (const line of readFileSync(resultsPath, 'utf8').split('\n')) {
      if (line === '') {
        continue;
      }
      const entry = JSON.parse(line) as NetnsResult | { end: true };
      if ('end' in entry) {
        complete = true;
      } else {
        results.push(entry);
      }
    }
  } catch {
    // No results: reported below.
  }
  rmSync(dir, { recursive: true, force: true });
  for (const result of results) {
    const skip = result.skip ? 'skipped in the namespace' : undefined;
    test(result.name, skip === undefined ? {} : { skip }, () => {
      if (!result.ok && !result.todo) {
        const error = new Error(result.error?.message ?? 'failed in the network namespace');
        if (result.error?.stack !== undefined) {
          error.stack = result.error.stack;
        }
        throw error;
      }
    });
  }
  const failedWithout = results.every((r) => r.ok || r.skip || r.todo);
  // A native module may crash while the process exits (libwebrtc does at times); that is not a
  // test failure once the run reported its end.
  if (status.code !== 0 && failedWithout && !(complete && status.signal !== null)) {
    const elapsed = Date.now() - started;
    test(`${label}: network namespace run`, () => {
      throw new Error(
        `inner run ended with ${status.signal ?? `code ${status.code}`} after ${elapsed} ms` +
          `${elapsed >= timeoutMs ? ' (timeout)' : ''}; last output:\n${output.slice(-2_000)}`,
      );
    });
  }
}
