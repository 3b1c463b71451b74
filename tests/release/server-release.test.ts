import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertServes, REPO_ROOT, run, runOk, Started } from './helpers/processes.js';

let out = '';
let unpacked = '';
let app = '';

before(async () => {
  out = mkdtempSync(join(tmpdir(), 'spreed-release-'));
  unpacked = mkdtempSync(join(tmpdir(), 'spreed-server-'));
  await runOk(process.execPath, ['scripts/release.mjs', '--no-build', '--out', out], {
    cwd: REPO_ROOT,
    timeoutMs: 60_000,
  });
  const { version } = JSON.parse(
    readFileSync(join(REPO_ROOT, 'packages/server/package.json'), 'utf8'),
  ) as { version: string };
  await runOk('tar', ['-xzf', join(out, `spreed-ts-signaling-${version}.tar.gz`)], {
    cwd: unpacked,
    timeoutMs: 20_000,
  });
  app = join(unpacked, `spreed-ts-signaling-${version}`);
});

after(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(unpacked, { recursive: true, force: true });
});

test('server release - runs outside the repository from bin/signaling with the example config, serves, stops on SIGTERM', {
  timeout: 60_000,
}, async () => {
  const version = (
    await runOk(join(app, 'bin/signaling'), ['-version'], { cwd: app, timeoutMs: 10_000 })
  ).trim();
  assert.match(version, /^spreed-ts signaling server version \d+\.\d+\.\d+$/);

  const conf = join(unpacked, 'server.conf');
  const example = readFileSync(join(app, 'server.conf.example'), 'utf8');
  assert.match(example, /^listen = /m);
  writeFileSync(conf, example.replace(/^listen = .*$/m, 'listen = 127.0.0.1:0'));
  // Started from another folder, so nothing resolves through the working directory.
  await using server = new Started(join(app, 'bin/signaling'), ['-config', conf], {
    cwd: tmpdir(),
  });
  const [, port] = await server.waitFor(/listening address=127\.0\.0\.1:(\d+)/, 20_000);
  const { answer } = await assertServes(Number(port));
  assert.ok(['hello', 'error'].includes((answer as { type: string }).type), JSON.stringify(answer));
  // The bundle, not the compiled modules of a source tree: it must never load from the repo.
  assert.doesNotMatch(server.output, new RegExp(REPO_ROOT.replace(/[/.]/g, '\\$&')));
  server.kill('SIGTERM');
  const result = await server.finished(15_000);
  assert.equal(result.code, 0, result.out);
});

test('server release - the systemd unit verifies against the unpacked release and rates 3 or better', {
  timeout: 60_000,
}, async (t) => {
  const unit = readFileSync(join(REPO_ROOT, 'packaging/spreed-ts-signaling.service'), 'utf8');
  assert.match(
    unit,
    /^ExecStart=\/opt\/spreed-ts-signaling\/bin\/signaling -config \/etc\/nextcloud-spreed-signaling\/server\.conf$/m,
  );
  assert.match(unit, /^User=_signaling$/m);
  assert.equal(
    readFileSync(join(app, 'spreed-ts-signaling.service'), 'utf8'),
    unit,
    'the tarball carries the repository unit',
  );
  // The same unit with the release where the test unpacked it instead of /opt/spreed-ts-signaling:
  // verify checks that ExecStart is an executable file.
  const dir = mkdtempSync(join(tmpdir(), 'spreed-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'spreed-ts-signaling.service');
  writeFileSync(file, unit.replaceAll('/opt/spreed-ts-signaling/', `${app}/`));
  const verify = await run('systemd-analyze', ['verify', file], { cwd: dir, timeoutMs: 30_000 });
  assert.equal(verify.code, 0, verify.out);
  assert.equal(verify.out.trim(), '', `systemd-analyze verify complains:\n${verify.out}`);

  const security = await run('systemd-analyze', ['security', '--offline=true', file], {
    cwd: dir,
    timeoutMs: 30_000,
  });
  const score = /Overall exposure level for spreed-ts-signaling\.service: (\d+\.\d+)/.exec(
    security.out,
  );
  assert.ok(score, security.out);
  assert.ok(Number(score[1]) <= 3, `exposure ${score[1]} > 3:\n${security.out}`);
});
