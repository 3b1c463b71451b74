import { parseArgs } from 'node:util';

/** Options shared by all commands. */
export interface CommonArgs {
  roomUrl: string;
  name?: string;
  password?: string;
  user?: string;
  appPassword?: string;
  verbose: boolean;
}

/** `talk join`. */
export interface JoinArgs extends CommonArgs {
  command: 'join';
  tone?: number;
  play?: string;
  record?: string;
  chat?: string;
  /** Seconds to stay; undefined = until Ctrl-C. */
  duration?: number;
}

/** `talk chat`. */
export interface ChatArgs extends CommonArgs {
  command: 'chat';
  send?: string;
  follow: boolean;
}

/** A parsed command line. */
export type Command = JoinArgs | ChatArgs | { command: 'help'; topic?: string };

/** A command line that cannot be run; the message is one line for the user. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage:
  talk join <room-url> [--name NAME] [--password PW] [--user U --app-password P]
                       [--tone HZ | --play FILE.wav] [--record DIR] [--chat MSG]
                       [--duration SECONDS] [--verbose]
  talk chat <room-url> [--name NAME] [--password PW] [--user U --app-password P]
                       [--send MSG] [--follow] [--verbose]

join   joins the conversation and its call; sends a tone or a WAV file (receive-only
       otherwise), writes one 48 kHz WAV per participant into DIR, leaves after
       SECONDS or on Ctrl-C.
chat   prints the recent chat, sends MSG, and with --follow prints new messages
       until Ctrl-C.`;

const COMMON = {
  name: { type: 'string' },
  password: { type: 'string' },
  user: { type: 'string' },
  'app-password': { type: 'string' },
  verbose: { type: 'boolean', short: 'v', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function number(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    throw new UsageError(`--${flag} must be a number ≥ ${min} (got ${JSON.stringify(value)})`);
  }
  return n;
}

function common(
  values: Record<string, unknown>,
  positionals: string[],
  command: string,
): CommonArgs {
  const [roomUrl, ...extra] = positionals;
  if (roomUrl === undefined) {
    throw new UsageError(`talk ${command}: missing <room-url>`);
  }
  if (extra.length > 0) {
    throw new UsageError(`talk ${command}: unexpected argument ${JSON.stringify(extra[0])}`);
  }
  const user = values.user as string | undefined;
  const appPassword = values['app-password'] as string | undefined;
  if ((user === undefined) !== (appPassword === undefined)) {
    throw new UsageError('--user and --app-password go together');
  }
  const args: CommonArgs = { roomUrl, verbose: values.verbose === true };
  for (const [key, flag] of [
    ['name', 'name'],
    ['password', 'password'],
    ['user', 'user'],
    ['appPassword', 'app-password'],
  ] as const) {
    const value = values[flag];
    if (typeof value === 'string') {
      args[key] = value;
    }
  }
  return args;
}

/** Parses `argv` (without node and script). Throws {@link UsageError}. */
export function parseCommand(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { command: 'help' };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    if (command === 'join') {
      parsed = parseArgs({
        args: [...rest],
        allowPositionals: true,
        strict: true,
        options: {
          ...COMMON,
          tone: { type: 'string' },
          play: { type: 'string' },
          record: { type: 'string' },
          chat: { type: 'string' },
          duration: { type: 'string' },
        },
      });
    } else if (command === 'chat') {
      parsed = parseArgs({
        args: [...rest],
        allowPositionals: true,
        strict: true,
        options: {
          ...COMMON,
          send: { type: 'string' },
          follow: { type: 'boolean', default: false },
        },
      });
    } else {
      throw new UsageError(
        `unknown command ${JSON.stringify(command)} (try: talk join, talk chat)`,
      );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      throw error;
    }
    throw new UsageError(
      `talk ${command}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help === true) {
    return { command: 'help', topic: command };
  }
  const base = common(values, parsed.positionals, command);
  if (command === 'chat') {
    const send = values.send as string | undefined;
    return {
      ...base,
      command: 'chat',
      follow: values.follow === true,
      ...(send === undefined ? {} : { send }),
    };
  }
  if (values.tone !== undefined && values.play !== undefined) {
    throw new UsageError('--tone and --play exclude each other');
  }
  const join: JoinArgs = { ...base, command: 'join' };
  const tone = number(values.tone as string | undefined, 'tone', 1);
  const duration = number(values.duration as string | undefined, 'duration', 0);
  if (tone !== undefined) {
    join.tone = tone;
  }
  if (duration !== undefined) {
    join.duration = duration;
  }
  for (const key of ['play', 'record', 'chat'] as const) {
    const value = values[key];
    if (typeof value === 'string') {
      join[key] = value;
    }
  }
  return join;
}
