// `npm run test:fresh-clone`: the README's set-up command and its "Try it" commands, run as a new
// user would, on a copy of this repository as a fresh clone has it (tracked and new files, no
// node_modules, nothing built). Takes a few minutes (a full install and build), so it is not
// part of `npm test`; CI runs it before `npm test`.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { plainEnv, REPO_ROOT, runOk, Started } from './helpers/processes.js';

/** Copies what `git clone` would check out (plus new, not ignored files) into `dir`. */
async function copyAsClone(dir: string): Promise<void> {
  const listed = await runOk(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: REPO_ROOT, timeoutMs: 20_000 },
  );
  for (const file of listed.split('\0').filter(Boolean)) {
    const from = join(REPO_ROOT, file);
    if (!existsSync(from) || statSync(from).isDirectory()) {
      continue; // deleted in the working tree, or a submodule
    }
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(from, join(dir, file));
  }
}

/** The commands of the README section whose heading starts with `heading`. */
function sectionCommands(readme: string, heading: string): string[] {
  const start = readme.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `README has no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 3);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    (m[1] ?? '').split('\n').filter((line) => line.trim() !== ''),
  );
}

test('fresh clone - the README set-up command, then npm start and the "Try it" talk commands work', {
  timeout: 600_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spreed-clone-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await copyAsClone(dir);
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const setUp = sectionCommands(readme, 'Set-up');
  const start = setUp.find((line) => line.endsWith('&& npm start'));
  assert.ok(start, `no "… && npm start" in ${setUp.join(' | ')}`);
  const install = start.replace(/ && npm start$/, '');
  assert.match(install, /^npm (install|ci)$/);

  // The set-up command's install step, as typed (the registry's packages come from npm's cache
  // when it has them).
  const env = plainEnv({ npm_config_prefer_offline: 'true', npm_config_fund: 'false' });
  const lockBefore = readFileSync(join(dir, 'package-lock.json'), 'utf8');
  await runOk('sh', ['-c', install], { cwd: dir, env, timeoutMs: 300_000 });
  assert.equal(
    readFileSync(join(dir, 'package-lock.json'), 'utf8'),
    lockBefore,
    'the lock file is complete: installing from it changes nothing',
  );
  assert.ok(existsSync(join(dir, 'node_modules/.bin/talk')), 'npm linked `talk` before any build');

  // npm start builds, then prints the room URL.
  await using stack = new Started('sh', ['-c', 'npm start'], { cwd: dir, env });
  const [roomUrl] = await stack.waitFor(/http:\/\/127\.0\.0\.1:\d+\/call\/\w+/, 400_000);

  const tryIt = sectionCommands(readme, 'Try it').map((line) =>
    line
      .replace('http://127.0.0.1:PORT/call/TOKEN', roomUrl)
      // Shorter calls: the test needs seconds of audio, not 20.
      .replace(/--duration \d+/, '--duration 8'),
  );
  const joins = tryIt.filter((line) => / talk join /.test(line));
  const chat = tryIt.find((line) => / talk chat /.test(line));
  assert.equal(joins.length, 2, tryIt.join('\n'));
  assert.ok(chat);

  const callers = joins.map((line) => new Started('sh', ['-c', line], { cwd: dir, env }));
  t.after(() => {
    for (const caller of callers) {
      caller.kill('SIGKILL');
    }
  });
  const results = await Promise.all(callers.map((caller) => caller.finished(60_000)));
  for (const [i, result] of results.entries()) {
    assert.equal(result.code, 0, `${joins[i]}\n${result.out}`);
    assert.match(result.out, /^receiving from (Alice|Bob)/m, result.out);
  }
  for (const folder of ['rec-alice', 'rec-bob']) {
    const wavs = readdirSync(join(dir, folder)).filter((f) => f.endsWith('.wav'));
    assert.equal(wavs.length, 1, `${folder}: ${wavs.join(', ')}`);
  }

  // `--follow` runs until Ctrl-C: wait until the message is sent, then interrupt as a person would.
  await using follower = new Started('sh', ['-c', chat], { cwd: dir, env });
  await follower.waitFor(/^sent #\d+/m, 60_000);
  follower.kill('SIGINT');
  const followed = await follower.finished(15_000);
  assert.notEqual(followed.signal, 'SIGKILL', `Ctrl-C did not stop it:\n${followed.out}`);

  stack.kill('SIGINT');
  await stack.finished(15_000);
});
