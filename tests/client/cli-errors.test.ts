import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TALK, talk } from './helpers/run-cli.js';
import { startTalkEnv } from './helpers/talk-env.js';

test('cli - --version, per-command help with defaults, usage errors named once', {
  timeout: 30_000,
}, async () => {
  const pkg = JSON.parse(await readFile(new URL('../package.json', `file://${TALK}`), 'utf8'));
  const version = await talk(['--version']);
  assert.equal(version.code, 0, version.err);
  assert.equal(version.out, `talk ${pkg.version}\n`);

  const help = await talk(['join', '--help']);
  assert.equal(help.code, 0, help.err);
  assert.match(help.out, /^usage: talk join <room-url> \[options\]/);
  assert.match(
    help.out,
    /--duration SECONDS +leave after SECONDS, more than 0 \(default: until Ctrl-C\)/,
  );
  assert.match(help.out, /--tone HZ +send a sine tone of 20–20000 Hz \(default: send nothing\)/);
  assert.doesNotMatch(help.out, /talk chat/);
  const chatHelp = await talk(['chat', '-h']);
  assert.match(chatHelp.out, /--follow +keep printing new messages until Ctrl-C \(default: off\)/);

  const cases: Array<[string[], string]> = [
    [
      ['join', 'u', '--duration', '-1'],
      'talk join: --duration must be a number of seconds greater than 0',
    ],
    [
      ['join', 'u', '--tone', '100000'],
      'talk join: --tone must be a frequency from 20 to 20000 Hz',
    ],
    [['chat', 'u', '--follow', 'x', 'y'], 'talk chat: unexpected argument "x"'],
    [['dance'], 'talk: unknown command "dance"'],
  ];
  for (const [argv, start] of cases) {
    const result = await talk(argv);
    assert.equal(result.code, 2, argv.join(' '));
    const [first] = result.err.split('\n');
    assert.ok(first?.startsWith(start), `${argv.join(' ')}: ${result.err}`);
    assert.doesNotMatch(result.err, /talk: talk /);
    assert.equal(result.out, '');
  }
});

test('cli - --record and --play are checked before joining; port 1 says it cannot connect', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  const dir = await mkdtemp(join(tmpdir(), 'talk-cli-'));
  try {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    const checks: Array<[string[], string]> = [
      [['--record', file], `talk: cannot record into ${file}: it exists and is not a directory`],
      [
        ['--record', '/proc/forbidden'],
        'talk: cannot record into /proc/forbidden: cannot create it there (no such file or directory)',
      ],
      [
        ['--play', join(dir, 'missing.wav')],
        `talk: cannot play ${join(dir, 'missing.wav')}: no such file or directory`,
      ],
      [['--play', file], `talk: cannot play ${file}: not a playable WAV file`],
    ];
    for (const [extra, message] of checks) {
      const result = await talk(['join', env.roomUrl, ...extra, '--duration', '5'], 10_000);
      assert.equal(result.code, 1, `${extra.join(' ')}: ${result.out}${result.err}`);
      assert.ok(result.err.startsWith(message), result.err);
      assert.equal(result.err.trim().split('\n').length, 1, result.err);
      assert.doesNotMatch(result.out, /joining/);
    }
    assert.equal(env.dev.sessions(env.token).length, 0, 'nobody joined');

    // A missing folder (and its parents) is created.
    const nested = join(dir, 'new', 'rec');
    const alone = await talk(['join', env.roomUrl, '--record', nested, '--duration', '1']);
    assert.deepEqual(await readdir(nested), []);
    // …and recording nobody at all is a failure, not "recorded 0.0 s".
    assert.equal(alone.code, 1, alone.out + alone.err);
    assert.match(alone.err, /^talk: recorded nothing into .*: no participant's audio arrived$/m);
    assert.match(alone.out, /^left$/m);

    const port1 = await talk(['join', 'http://127.0.0.1:1/call/abc']);
    assert.equal(port1.code, 1);
    assert.equal(
      port1.err.trim(),
      'talk: cannot connect to http://127.0.0.1:1: fetch does not connect to port 1 (one of the ports browsers block); use another port',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cli - a --video file that is not Y4M, and a wrong internal secret, fail in one line', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  const dir = await mkdtemp(join(tmpdir(), 'talk-cli-video-'));
  try {
    const file = join(dir, 'clip.y4m');
    await writeFile(file, 'RIFF not a video\n');
    const video = await talk(['join', env.roomUrl, '--video', file, '--duration', '1'], 10_000);
    assert.equal(video.code, 1, video.out + video.err);
    assert.equal(
      video.err.trim(),
      `talk: cannot send ${file} (--video takes test-pattern or a Y4M file): not a 4:2:0 Y4M file: missing YUV4MPEG2 signature`,
    );
    assert.doesNotMatch(video.out, /joining/);

    const record = await talk(
      ['record', env.roomUrl, '--out', join(dir, 'rec'), '--signaling', env.sig.httpUrl],
      10_000,
      { TALK_INTERNAL_SECRET: 'not-the-secret' },
    );
    assert.equal(record.code, 1, record.out + record.err);
    assert.equal(record.err.trim().split('\n').length, 1, record.err);
    assert.match(record.err, /^talk: cannot connect as an internal client: .*invalid_token/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
