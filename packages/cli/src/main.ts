#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describeError } from '@spreed-ts/client';
import { COMMAND_USAGE, parseCommand, USAGE, UsageError } from './args.js';
import { runChat } from './chat-command.js';
import type { CliIo } from './cli-io.js';
import { runJoin } from './join-command.js';
import { runRecord } from './record-command.js';

/** The version of the `talk` package (its package.json). */
export function cliVersion(): string {
  const pkg: unknown = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  );
  const version = (pkg as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

/** Runs `talk` with `argv` (without node and script); resolves with the exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo,
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<number> {
  let command: ReturnType<typeof parseCommand>;
  try {
    command = parseCommand(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      const where = error.command === undefined ? 'talk' : `talk ${error.command}`;
      io.err(`${where}: ${error.message}`);
      io.err(`(${where} --help lists the options)`);
      return 2;
    }
    throw error;
  }
  try {
    switch (command.command) {
      case 'help':
        io.out(command.topic === undefined ? USAGE : COMMAND_USAGE[command.topic]);
        return 0;
      case 'version':
        io.out(`talk ${cliVersion()}`);
        return 0;
      case 'join':
        return await runJoin(command, io);
      case 'chat':
        return await runChat(command, io);
      case 'record':
        return await runRecord(command, io);
    }
  } catch (error) {
    io.err(`talk: ${describeError(error)}`);
    return 1;
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  try {
    return entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

/**
 * Runs `talk` as the process: the command line from `process.argv`, Ctrl-C to stop (twice to
 * abort), and exits with the command's code. `bin/talk.js` (the installed executable) calls this.
 */
export async function runTalk(): Promise<never> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) {
      process.exit(130);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    stop: controller.signal,
  };
  const code = await main(process.argv.slice(2), io, process.env);
  // The WebRTC library may keep native threads alive; everything is closed, so exit explicitly.
  return new Promise<never>(() => {
    process.stdout.write('', () => process.exit(code));
  });
}

if (isMain()) {
  await runTalk();
}
