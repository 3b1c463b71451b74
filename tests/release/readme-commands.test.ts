import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCommand } from '@spreed-ts/cli';
import { REPO_ROOT, runOk } from './helpers/processes.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** Every line of every ```sh block (continuations joined). */
function shellLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^\s*```sh\n([\s\S]*?)^\s*```/gm)].map((m) => m[1] ?? '');
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
}

/** Splits a shell command line into words (double quotes only, as the README uses). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

test('readme - no command can run a registry package: every npx says --no-install', () => {
  const npx = shellLines(readme).filter((line) => /(^|[;&|]\s*)npx\s/.test(line));
  assert.ok(npx.length >= 3, 'the README shows npx commands');
  for (const line of npx) {
    assert.match(line, /\bnpx --no-install /, line);
  }
  assert.doesNotMatch(readme, /npm exec (?!--no-install)/);
});

test('readme - the set-up commands are the two one-liners, and the talk commands parse', () => {
  const lines = shellLines(readme);
  assert.ok(lines.includes('npm install && npm start'), 'set-up: run');
  assert.ok(lines.includes('npm install && npm test'), 'set-up: test');
  const talk = lines.filter((line) => line.startsWith('npx --no-install talk '));
  assert.ok(talk.some((line) => / talk join /.test(line)));
  for (const line of talk) {
    const argv = words(line).slice(3);
    if (argv[0] === '--help') {
      continue;
    }
    const command = parseCommand(argv);
    assert.ok(command.command === 'join' || command.command === 'chat', line);
  }
});

test('readme - `talk` is linked to a file that exists before any build (no registry fallback)', {
  timeout: 20_000,
}, async () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/cli/package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const target = pkg.bin.talk ?? '';
  assert.doesNotMatch(target, /dist\//, 'npm install links bins before the build makes dist/');
  const tracked = await runOk('git', ['ls-files', '--error-unmatch', `packages/cli/${target}`], {
    cwd: REPO_ROOT,
    timeoutMs: 10_000,
  });
  assert.equal(tracked.trim(), `packages/cli/${target.replace(/^\.\//, '')}`);
  assert.equal(
    realpathSync(join(REPO_ROOT, 'node_modules/.bin/talk')),
    realpathSync(join(REPO_ROOT, 'packages/cli', target)),
  );
});
