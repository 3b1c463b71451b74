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
  /** `test-pattern` or a Y4M file to send as our camera. */
  video?: string;
  /** `test-pattern` or a Y4M file to share as our screen. */
  screen?: string;
  /** Also record the participants' cameras and screens (Y4M) into `record`. */
  videoRecord: boolean;
}

/** `talk record`: records a whole call without sending anything. */
export interface RecordArgs extends CommonArgs {
  command: 'record';
  /** Folder for the WAV (and Y4M) files. */
  out: string;
  videoRecord: boolean;
  duration?: number;
  /** Internal-client path: the signaling server's base URL (with an internal secret). */
  signaling?: string;
  /** `[clients] internalsecret`, from `--internal-secret` or `TALK_INTERNAL_SECRET`. */
  internalSecret?: string;
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
  | RecordArgs
  | { command: 'help'; topic?: CommandName }
  | { command: 'version' };

/** The commands that take a room URL. */
export type CommandName = 'join' | 'chat' | 'record';

/** What `--video` / `--screen` accept besides a Y4M file. */
export const TEST_PATTERN = 'test-pattern';

/** A command line that cannot be run; the message is one line for the user. */
export class UsageError extends Error {
  /** The command it concerns (`join`, `chat`), for the `talk join:` prefix and its help. */
  readonly command: CommandName | undefined;

  constructor(message: string, command?: CommandName) {
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
                       [--video test-pattern|FILE.y4m] [--screen test-pattern|FILE.y4m]
                       [--video-record] [--duration SECONDS] [--verbose]
  talk record <room-url> --out DIR [--video-record] [--duration SECONDS] [--name NAME]
                       [--signaling URL --internal-secret SECRET] [--verbose]
  talk chat <room-url> [--name NAME] [--password PW] [--user U --app-password P]
                       [--send MSG] [--follow] [--verbose]
  talk --version

join   joins the conversation and its call; sends a tone or a WAV file (receive-only
       otherwise), writes one 48 kHz WAV per participant into DIR, leaves after
       SECONDS or on Ctrl-C; --video sends a camera picture, --video-record
       records the others' cameras and screens (Y4M) too.
record joins the call receive-only and records everybody (as a guest, or as an
       internal client of the signaling server with --signaling and the secret).
chat   prints the recent chat, sends MSG, and with --follow prints new messages
       until Ctrl-C.

talk join --help, talk record --help and talk chat --help list every option
with its default.`;

const COMMON_HELP = `  --name NAME           display name (default: none; guests then show as "Guest",
                        users as their own name)
  --password PW         password of a password-protected conversation (default: none)
  --user U              log in as user U (with --app-password; default: join as a guest)
  --app-password P      an app password of U (Settings → Security)
  -v, --verbose         print warnings and debug lines to stderr (default: off)
  -h, --help            print this help`;

/** Help of one command, every option with its default. */
export const COMMAND_USAGE: Readonly<Record<CommandName, string>> = {
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
  --duration SECONDS    leave after SECONDS, more than 0 (default: until Ctrl-C)
  --video SRC           send a camera picture: test-pattern (320×240, 15 fps, with a
                        frame counter) or a 4:2:0 FILE.y4m, looped (default: none)
  --screen SRC          share a screen: test-pattern or FILE.y4m (default: none)
  --video-record        with --record, also write each camera and screen as a Y4M
                        file (15 fps, opens in ffplay/VLC) (default: audio only)`,
  record: `usage: talk record <room-url> --out DIR [options]

Joins the call without sending anything and writes one 48 kHz WAV per
participant into DIR (and with --video-record one Y4M per camera and screen),
until --duration or Ctrl-C. As a guest by default; with --signaling and an
internal secret as an internal client of the signaling server, like Talk's
recording server: no Talk participant is created and nobody sees it in Talk
(needs an SFU). Exits 0 when something was recorded, 1 otherwise.

options:
${COMMON_HELP}
  --out DIR             folder for the recordings, created if missing (required)
  --video-record        also write each camera and screen as a Y4M file (default: off)
  --duration SECONDS    stop after SECONDS, more than 0 (default: until Ctrl-C)
  --signaling URL       the signaling server's base URL: record as an internal client
                        (default: as a guest, through Talk)
  --internal-secret S   the server's [clients] internalsecret (default: the
                        TALK_INTERNAL_SECRET environment variable)`,
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
  video: { type: 'string' },
  screen: { type: 'string' },
  'video-record': { type: 'boolean', default: false },
} as const;

const RECORD_OPTIONS = {
  ...COMMON,
  out: { type: 'string' },
  'video-record': { type: 'boolean', default: false },
  duration: { type: 'string' },
  signaling: { type: 'string' },
  'internal-secret': { type: 'string' },
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
  command: CommandName,
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
  command: CommandName,
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

/** `--duration`, checked. */
function durationOf(values: Record<string, unknown>, command: CommandName): number | undefined {
  return number(
    values.duration as string | undefined,
    (n) => n > 0 && n <= MAX_DURATION_SECONDS,
    `--duration must be a number of seconds greater than 0 (at most ${MAX_DURATION_SECONDS})`,
    command,
  );
}

/** `talk record`'s options, checked. */
function recordArgs(
  base: CommonArgs,
  values: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): RecordArgs {
  const out = values.out as string | undefined;
  if (out === undefined || out === '') {
    throw new UsageError('--out DIR is required (the folder for the recordings)', 'record');
  }
  const args: RecordArgs = {
    ...base,
    command: 'record',
    out,
    videoRecord: values['video-record'] === true,
  };
  const duration = durationOf(values, 'record');
  if (duration !== undefined) {
    args.duration = duration;
  }
  const signaling = values.signaling as string | undefined;
  const secret = (values['internal-secret'] as string | undefined) ?? env.TALK_INTERNAL_SECRET;
  if (signaling !== undefined) {
    if (!/^(https?|wss?):\/\/[^/\s]+/.test(signaling)) {
      throw new UsageError(
        `--signaling needs an http(s):// URL (got ${JSON.stringify(signaling)})`,
        'record',
      );
    }
    if (secret === undefined || secret === '') {
      throw new UsageError(
        '--signaling needs the internal secret (--internal-secret or TALK_INTERNAL_SECRET)',
        'record',
      );
    }
    if (base.user !== undefined) {
      throw new UsageError('--user and --signaling exclude each other', 'record');
    }
    args.signaling = signaling;
    args.internalSecret = secret;
  } else if (values['internal-secret'] !== undefined) {
    throw new UsageError(
      '--internal-secret needs --signaling (the signaling server URL)',
      'record',
    );
  }
  return args;
}

/** Parses `argv` (without node and script); `env` supplies `TALK_INTERNAL_SECRET`. Throws {@link UsageError}. */
export function parseCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    return { command: 'help' };
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    return { command: 'version' };
  }
  if (command === 'help') {
    const topic = rest[0];
    return topic === 'join' || topic === 'chat' || topic === 'record'
      ? { command: 'help', topic }
      : { command: 'help' };
  }
  if (command !== 'join' && command !== 'chat' && command !== 'record') {
    throw new UsageError(
      `unknown command ${JSON.stringify(command)} (try: talk join, talk record, talk chat)`,
    );
  }
  const options: NonNullable<ParseArgsConfig['options']> =
    command === 'join' ? JOIN_OPTIONS : command === 'record' ? RECORD_OPTIONS : CHAT_OPTIONS;
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
  if (command === 'record') {
    return recordArgs(base, values, env);
  }
  if (values.tone !== undefined && values.play !== undefined) {
    throw new UsageError('--tone and --play exclude each other', command);
  }
  const join: JoinArgs = { ...base, command: 'join', videoRecord: values['video-record'] === true };
  const tone = number(
    values.tone as string | undefined,
    (n) => n >= TONE_RANGE.min && n <= TONE_RANGE.max,
    `--tone must be a frequency from ${TONE_RANGE.min} to ${TONE_RANGE.max} Hz`,
    command,
  );
  const duration = durationOf(values, command);
  if (tone !== undefined) {
    join.tone = tone;
  }
  if (duration !== undefined) {
    join.duration = duration;
  }
  for (const key of ['play', 'record', 'chat', 'video', 'screen'] as const) {
    const value = values[key];
    if (typeof value === 'string') {
      join[key] = value;
    }
  }
  for (const key of ['play', 'record', 'video', 'screen'] as const) {
    if (join[key] === '') {
      throw new UsageError(`--${key} needs a path`, command);
    }
  }
  if (join.videoRecord && join.record === undefined) {
    throw new UsageError('--video-record needs --record DIR', command);
  }
  return join;
}
