import { setFlagsFromString } from 'node:v8';

/**
 * Turns on V8's `--always-sparkplug`: a function gets baseline machine code (Sparkplug) on its
 * first call instead of running in the interpreter until V8 finds it hot. After a restart, when
 * every client reconnects at once, the first 500 sessions are set up about 25 % faster (bench
 * scenario 1, cold row: 710–745 → 873–957 sessions/s), for about 2.4 MiB more RSS. Called at the
 * start of `main`, before the request paths run for the first time; an operator's own sparkplug
 * option in the node options wins. Returns whether it was turned on.
 */
export function enableEagerBaseline(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): boolean {
  const options = [...execArgv, ...nodeOptions.split(/\s+/)];
  if (options.some((option) => option.includes('sparkplug'))) {
    return false;
  }
  setFlagsFromString('--always-sparkplug');
  return true;
}
