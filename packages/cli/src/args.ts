import { type ParseArgsConfig, parseArgs } from 'node:util';

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
export type Command =
  | JoinArgs
  | ChatArgs
  | { command: 'help'; topic?: 'join' | 'chat' }
  | { command: 'version' };

/** A command line that cannot be run; the message is one line for the user. */
export class UsageError extends Error {
  /** The command it concerns (`join`, `chat`), for the `talk join:` prefix and its help. */
  readonly command: 'join' | 'chat' | undefined;

  constructor(message: string, command?: 'join' | 'chat') {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** Audible range accepted by `--tone`, in Hz. */
export const TONE_RANGE = { min: 20, max: 20_000 } as const;

/** Longest `--duration` (what a Node timer can wait), in seconds. */
export const MAX_DURATION_SECONDS = 2_147_483;

export const USAGE = `usage:
  talk join <room-url> [--name NAME] [--password PW] [--user U --app-password P]
                       [--tone HZ | --play FILE.wav] [--record DIR] [--chat MSG]
                       [--duration SECONDS] [--verbose]
  talk chat <room-url> [--name NAME] [--password PW] [--user U --app-password P]
                       [--send MSG] [--follow] [--verbose]
  talk --version

join   joins the conversation and its call; sends a tone or a WAV file (receive-only
       otherwise), writes one 48 kHz WAV per participant into DIR, leaves after
       SECONDS or on Ctrl-C.
chat   prints the recent chat, sends MSG, and with --follow prints new messages
       until Ctrl-C.

talk join --help and talk chat --help list every option with its default.`;

const COMMON_HELP = `  --name NAME           display name (default: none; guests then show as "Guest",
                        users as their own name)
  --password PW         password of a password-protected conversation (default: none)
  --user U              log in as user U (with --app-password; default: join as a guest)
  --app-password P      an app password of U (Settings → Security)
  -v, --verbose         print warnings and debug lines to stderr (default: off)
  -h, --help            print this help`;

/** Help of one command, every option with its default. */
export const COMMAND_USAGE: Readonly<Record<'join' | 'chat', string>> = {
  join: `usage: talk join <room-url> [options]

Joins the conversation and its call, prints one line per step, leaves after
--duration or on Ctrl-C. Exits 0 when it left cleanly, 1 on failure (and when
--record recorded nobody), 2 on a usage error.

options:
${COMMON_HELP}
  --tone HZ             send a sine tone of ${TONE_RANGE.min}–${TONE_RANGE.max} Hz (default: send nothing)
  --play FILE.wav       send a 16-bit PCM WAV file once (default: send nothing)
  --record DIR          write one 48 kHz WAV per participant into DIR, created if
                        missing (default: no recording)
  --chat MSG            post MSG to the chat after joining (default: none)
  --duration SECONDS    leave after SECONDS, more than 0 (default: until Ctrl-C)`,
  chat: `usage: talk chat <room-url> [options]

Prints the last 20 messages (unless only sending), sends --send, and with
--follow prints new messages until Ctrl-C.

options:
${COMMON_HELP}
  --send MSG            post MSG (default: none)
  --follow              keep printing new messages until Ctrl-C (default: off)`,
};

const COMMON = {
  name: { type: 'string' },
  password: { type: 'string' },
  user: { type: 'string' },
  'app-password': { type: 'string' },
  verbose: { type: 'boolean', short: 'v', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const JOIN_OPTIONS = {
  ...COMMON,
  tone: { type: 'string' },
  play: { type: 'string' },
  record: { type: 'string' },
  chat: { type: 'string' },
  duration: { type: 'string' },
} as const;

const CHAT_OPTIONS = {
  ...COMMON,
  send: { type: 'string' },
  follow: { type: 'boolean', default: false },
} as const;

function number(
  value: string | undefined,
  check: (n: number) => boolean,
  rule: string,
  command: 'join',
): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n) || !check(n)) {
    throw new UsageError(`${rule} (got ${JSON.stringify(value)})`, command);
  }
  return n;
}

function common(
  values: Record<string, unknown>,
  positionals: string[],
  command: 'join' | 'chat',
): CommonArgs {
  const [roomUrl, ...extra] = positionals;
  if (roomUrl === undefined) {
    throw new UsageError('missing <room-url>', command);
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`, command);
  }
  const user = values.user as string | undefined;
  const appPassword = values['app-password'] as string | undefined;
  if ((user === undefined) !== (appPassword === undefined)) {
    throw new UsageError('--user and --app-password go together', command);
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

/**
 * `--duration -1` would make Node's parser complain that the value looks like an option; give
 * negative numbers to the option, so that the range check explains what is wrong.
 */
function attachNegativeNumbers(
  args: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (
      name !== undefined &&
      options[name]?.type === 'string' &&
      next !== undefined &&
      /^-\d|^-\.\d/.test(next)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Node's parser errors, said in our words. */
function parserMessage(error: unknown): string {
  const code = (error as { code?: string }).code;
  const text = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]+)/.exec(text)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return `unknown option ${option}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    return text.includes('does not take an argument')
      ? `${option} takes no value`
      : `${option} needs a value`;
  }
  return text;
}

/** Parses `argv` (without node and script). Throws {@link UsageError}. */
export function parseCommand(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    return { command: 'help' };
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    return { command: 'version' };
  }
  if (command === 'help') {
    const topic = rest[0];
    return topic === 'join' || topic === 'chat' ? { command: 'help', topic } : { command: 'help' };
  }
  if (command !== 'join' && command !== 'chat') {
    throw new UsageError(`unknown command ${JSON.stringify(command)} (try: talk join, talk chat)`);
  }
  const options: NonNullable<ParseArgsConfig['options']> =
    command === 'join' ? JOIN_OPTIONS : CHAT_OPTIONS;
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: attachNegativeNumbers(rest, options),
      allowPositionals: true,
      strict: true,
      options,
    });
  } catch (error) {
    throw new UsageError(parserMessage(error), command);
  }
  const values = parsed.values;
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
    throw new UsageError('--tone and --play exclude each other', command);
  }
  const join: JoinArgs = { ...base, command: 'join' };
  const tone = number(
    values.tone as string | undefined,
    (n) => n >= TONE_RANGE.min && n <= TONE_RANGE.max,
    `--tone must be a frequency from ${TONE_RANGE.min} to ${TONE_RANGE.max} Hz`,
    command,
  );
  const duration = number(
    values.duration as string | undefined,
    (n) => n > 0 && n <= MAX_DURATION_SECONDS,
    `--duration must be a number of seconds greater than 0 (at most ${MAX_DURATION_SECONDS})`,
    command,
  );
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
  if (join.play === '' || join.record === '') {
    throw new UsageError(`--${join.play === '' ? 'play' : 'record'} needs a path`, command);
  }
  return join;
}
