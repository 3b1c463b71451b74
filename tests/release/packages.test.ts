import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { VERSION } from '@spreed-ts/server';
import { startTalkEnv } from '../client/helpers/talk-env.js';
import { REPO_ROOT, runOk } from './helpers/processes.js';

const PACKAGES = ['protocol', 'server', 'devbackend', 'client', 'cli'];
let out = '';
let version = '';

before(async () => {
  out = mkdtempSync(join(tmpdir(), 'spreed-release-'));
  version = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/server/package.json'), 'utf8'))
    .version as string;
  await runOk(process.execPath, ['scripts/release.mjs', '--no-build', '--out', out], {
    cwd: REPO_ROOT,
    timeoutMs: 60_000,
  });
});

after(() => {
  rmSync(out, { recursive: true, force: true });
});

const tarball = (name: string): string => join(out, `spreed-ts-${name}-${version}.tgz`);

test('release - npm tarballs hold runtime code, types, README and LICENSE only', {
  timeout: 30_000,
}, async () => {
  for (const name of PACKAGES) {
    const files = (await runOk('tar', ['-tzf', tarball(name)], { cwd: out, timeoutMs: 10_000 }))
      .trim()
      .split('\n');
    for (const required of ['package/package.json', 'package/README.md', 'package/LICENSE']) {
      assert.ok(files.includes(required), `${name}: no ${required} in ${files.join(' ')}`);
    }
    const license = await runOk('tar', ['-xzOf', tarball(name), 'package/LICENSE'], {
      cwd: out,
      timeoutMs: 10_000,
    });
    assert.match(license, /GNU AFFERO GENERAL PUBLIC LICENSE\s+Version 3, 19 November 2007/);
    const stray = files.filter(
      (f) =>
        /\.map$|\.tsbuildinfo$|\.test\.|^package\/src\/|tsconfig/.test(f) ||
        f.startsWith('package/dist/bundle/signaling'),
    );
    assert.deepEqual(stray, [], `${name} ships files that are not runtime code or types`);
    assert.ok(
      files.some((f) => f.endsWith('.d.ts')),
      `${name} ships no types`,
    );
  }
});

test('release - packages, the server VERSION and the CHANGELOG name the same version', () => {
  for (const name of PACKAGES) {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, `packages/${name}/package.json`), 'utf8'));
    assert.equal(pkg.version, version, `@spreed-ts/${name}`);
    assert.equal(pkg.license, 'AGPL-3.0-or-later');
    for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
      if (dep.startsWith('@spreed-ts/')) {
        assert.equal(range, version, `${name} depends on ${dep}@${String(range)}`);
      }
    }
  }
  assert.equal(VERSION, version);
  const changelog = readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
  assert.equal(/^## \[(\d+\.\d+\.\d+)\]/m.exec(changelog)?.[1], version);
});

test('release - protocol, client, cli and server tarballs install together into an empty folder and run', {
  timeout: 180_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spreed-install-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  await runOk(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      ...['protocol', 'client', 'cli', 'server'].map(tarball),
    ],
    { cwd: dir, timeoutMs: 150_000 },
  );
  const bin = join(dir, 'node_modules/.bin');
  assert.match(
    await runOk(join(bin, 'talk'), ['--help'], { cwd: dir, timeoutMs: 20_000 }),
    /^usage:\n {2}talk join <room-url>/,
  );
  assert.equal(
    (
      await runOk(join(bin, 'spreed-signaling'), ['-version'], { cwd: dir, timeoutMs: 20_000 })
    ).trim(),
    `spreed-ts signaling server version ${version}`,
  );
  // The SDK from the folder's own node_modules, as a user's script would import it.
  const imported = await runOk(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const c = await import('@spreed-ts/client'); const p = await import('@spreed-ts/protocol');" +
        'console.log(typeof c.TalkClient.join, typeof p.parseClientMessage, import.meta.resolve("@spreed-ts/client"))',
    ],
    { cwd: dir, timeoutMs: 20_000 },
  );
  assert.match(imported, /^function function file:\/\/.*spreed-install-.*\/node_modules\//);

  await using env = await startTalkEnv();
  const joined = await runOk(
    join(bin, 'talk'),
    ['join', env.roomUrl, '--name', 'Packed', '--duration', '1'],
    { cwd: dir, timeoutMs: 60_000 },
  );
  assert.match(joined, /^in room/m);
  assert.match(joined, /^left/m);
});

test('release - the server tarball has its launcher, bundle, ws, unit, container file and example config', {
  timeout: 30_000,
}, async () => {
  const name = `spreed-ts-signaling-${version}`;
  const files = (
    await runOk('tar', ['-tzf', join(out, `${name}.tar.gz`)], { cwd: out, timeoutMs: 10_000 })
  ).split('\n');
  for (const file of [
    'bin/signaling',
    'lib/signaling.mjs',
    'node_modules/ws/package.json',
    'package.json',
    'LICENSE',
    'README.md',
    'CHANGELOG.md',
    'server.conf.example',
    'spreed-ts-signaling.service',
    'Containerfile',
  ]) {
    assert.ok(files.includes(`${name}/${file}`), `no ${file}`);
  }
  assert.ok(!existsSync(join(out, '.staging')), 'the staging folder is removed');
});
