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
});

test('args - usage errors say what is wrong', () => {
  const cases: Array<[string[], RegExp]> = [
    [['dance'], /unknown command/],
    [['join'], /missing <room-url>/],
    [['join', 'u', 'v'], /unexpected argument/],
    [['join', 'u', '--tone', '440', '--play', 'a.wav'], /exclude each other/],
    [['join', 'u', '--tone', 'loud'], /--tone must be a number/],
    [['join', 'u', '--user', 'alice'], /go together/],
    [['join', 'u', '--bogus'], /Unknown option/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => parseCommand(argv),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
      argv.join(' '),
    );
  }
});
