import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand, UsageError } from './args.js';

test('args - talk join with every option', () => {
  assert.deepEqual(
    parseCommand([
      'join',
      'https://h/call/abc',
      '--name',
      'Bot',
      '--password',
      'pw',
      '--user',
      'alice',
      '--app-password',
      'secret',
      '--tone',
      '440',
      '--record',
      'out',
      '--chat',
      'hi',
      '--duration',
      '2.5',
    ]),
    {
      command: 'join',
      roomUrl: 'https://h/call/abc',
      verbose: false,
      name: 'Bot',
      password: 'pw',
      user: 'alice',
      appPassword: 'secret',
      tone: 440,
      record: 'out',
      chat: 'hi',
      duration: 2.5,
      videoRecord: false,
    },
  );
});

test('args - talk chat, help', () => {
  assert.deepEqual(parseCommand(['chat', 'https://h/call/abc', '--send', 'x', '--follow']), {
    command: 'chat',
    roomUrl: 'https://h/call/abc',
    verbose: false,
    follow: true,
    send: 'x',
  });
  assert.deepEqual(parseCommand([]), { command: 'help' });
  assert.deepEqual(parseCommand(['join', '--help']), { command: 'help', topic: 'join' });
  assert.deepEqual(parseCommand(['help', 'chat']), { command: 'help', topic: 'chat' });
  assert.deepEqual(parseCommand(['--version']), { command: 'version' });
  assert.deepEqual(parseCommand(['-V']), { command: 'version' });
});

test('args - numbers at the edges of their ranges', () => {
  const join = (...extra: string[]) => parseCommand(['join', 'u', ...extra]);
  assert.equal((join('--tone', '20') as { tone?: number }).tone, 20);
  assert.equal((join('--tone', '20000') as { tone?: number }).tone, 20_000);
  assert.equal((join('--duration', '0.5') as { duration?: number }).duration, 0.5);
  assert.equal((join('--duration=7') as { duration?: number }).duration, 7);
});

test('args - usage errors say what is wrong', () => {
  const cases: Array<[string[], RegExp]> = [
    [['dance'], /unknown command/],
    [['join'], /missing <room-url>/],
    [['join', 'u', 'v'], /unexpected argument/],
    [['join', 'u', '--tone', '440', '--play', 'a.wav'], /exclude each other/],
    [
      ['join', 'u', '--tone', 'loud'],
      /^--tone must be a frequency from 20 to 20000 Hz \(got "loud"\)$/,
    ],
    [['join', 'u', '--tone', '100000'], /^--tone must be a frequency from 20 to 20000 Hz/],
    [['join', 'u', '--tone', '19'], /^--tone must be a frequency/],
    [['join', 'u', '--tone', ''], /^--tone must be a frequency/],
    [['join', 'u', '--duration', '-1'], /^--duration must be a number of seconds greater than 0/],
    [['join', 'u', '--duration', '0'], /^--duration must be a number of seconds greater than 0/],
    [['join', 'u', '--duration', 'Infinity'], /^--duration must be/],
    [['join', 'u', '--duration'], /^--duration needs a value$/],
    [['join', 'u', '--record', ''], /^--record needs a path$/],
    [['join', 'u', '--user', 'alice'], /go together/],
    [['join', 'u', '--bogus'], /^unknown option --bogus$/],
    [['chat', 'u', '--tone', '440'], /^unknown option --tone$/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => parseCommand(argv),
      (e: unknown) =>
        e instanceof UsageError &&
        message.test(e.message) &&
        // The command is named once, by main(); the message itself does not repeat it.
        !e.message.startsWith('talk') &&
        e.command === (argv[0] === 'dance' ? undefined : argv[0]),
      argv.join(' '),
    );
  }
});

test('args - talk join with video, screen and --video-record', () => {
  assert.deepEqual(
    parseCommand([
      'join',
      'https://h/call/abc',
      '--video',
      'test-pattern',
      '--screen',
      'desk.y4m',
      '--record',
      'out',
      '--video-record',
    ]),
    {
      command: 'join',
      roomUrl: 'https://h/call/abc',
      verbose: false,
      video: 'test-pattern',
      screen: 'desk.y4m',
      record: 'out',
      videoRecord: true,
    },
  );
  assert.throws(
    () => parseCommand(['join', 'https://h/call/abc', '--video-record']),
    /--video-record needs --record DIR/,
  );
  assert.throws(
    () => parseCommand(['join', 'https://h/call/abc', '--video', '']),
    /--video needs a path/,
  );
});

test('args - talk record as a guest and as an internal client', () => {
  assert.deepEqual(
    parseCommand(['record', 'https://h/call/abc', '--out', 'rec', '--duration', '3']),
    {
      command: 'record',
      roomUrl: 'https://h/call/abc',
      verbose: false,
      out: 'rec',
      videoRecord: false,
      duration: 3,
    },
  );
  const internal = ['record', 'https://h/call/abc', '--out', 'rec', '--signaling', 'https://sig'];
  assert.deepEqual(parseCommand([...internal, '--video-record'], { TALK_INTERNAL_SECRET: 's3' }), {
    command: 'record',
    roomUrl: 'https://h/call/abc',
    verbose: false,
    out: 'rec',
    videoRecord: true,
    signaling: 'https://sig',
    internalSecret: 's3',
  });
  assert.equal(
    (parseCommand([...internal, '--internal-secret', 'x']) as { internalSecret?: string })
      .internalSecret,
    'x',
  );
  assert.throws(() => parseCommand(internal), /needs the internal secret/);
  assert.throws(() => parseCommand(['record', 'https://h/call/abc']), /--out DIR is required/);
  assert.throws(
    () => parseCommand(['record', 'https://h/call/abc', '--out', 'r', '--internal-secret', 'x']),
    /--internal-secret needs --signaling/,
  );
  assert.throws(
    () =>
      parseCommand([
        ...internal.slice(0, 4),
        '--signaling',
        'sig.example',
        '--internal-secret',
        'x',
      ]),
    /--signaling needs an http\(s\):\/\/ URL/,
  );
});
