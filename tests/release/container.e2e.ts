// `npm run test:container`: builds the container image from the release tarball with
// packaging/build-container.sh, runs it with a mounted server.conf and talks to it from the host,
// then runs the same image as the signaling proxy (its entrypoint, a mounted proxy.conf).
// Needs podman, runc and (for the base image) debootstrap: `apt-get install podman runc
// debootstrap`. No public image registry is needed: unless localhost/spreed-ts-test-base:bookworm
// exists, the Debian 12 base image is made here with debootstrap from the configured Debian
// mirror and `podman import`ed, and removed again at the end. Containers run with runc, the
// host's ulimits and the host network (what podman's defaults cannot do on every machine).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '@spreed-ts/testkit';
import { assertServes, plainEnv, REPO_ROOT, run, runOk } from './helpers/processes.js';

const BASE_IMAGE = 'localhost/spreed-ts-test-base:bookworm';
const RUNTIME = '/usr/sbin/runc';

/** The Debian mirror apt uses here (deb822 or one-line sources), for debootstrap. */
function debianMirror(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const match =
      /^URIs:\s*(\S+\/debian)\s*$/m.exec(text) ??
      /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s/m.exec(text);
    if (match?.[1]) {
      return match[1];
    }
  }
  return 'http://deb.debian.org/debian';
}

test('container - the image from packaging/Containerfile serves welcome and hello with a mounted server.conf, and runs the proxy', {
  timeout: 900_000,
}, async (t) => {
  for (const tool of ['podman', RUNTIME]) {
    const found = await run('sh', ['-c', `command -v ${tool}`], {
      cwd: REPO_ROOT,
      timeoutMs: 5_000,
    });
    assert.equal(found.code, 0, `${tool} is missing: apt-get install podman runc debootstrap`);
  }
  const work = mkdtempSync(join(tmpdir(), 'spreed-container-'));
  // Undone last-first at the end: container, image, base image (if made here), then the folder
  // (which holds the CONTAINERS_CONF the podman commands need). A failed removal fails the test.
  const cleanups: Array<() => Promise<void>> = [
    async () => rmSync(work, { recursive: true, force: true }),
  ];
  t.after(async () => {
    const failures: string[] = [];
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        failures.push(String(error));
      }
    }
    assert.deepEqual(failures, [], 'cleanup');
  });
  const confFile = join(work, 'containers.conf');
  writeFileSync(confFile, '[containers]\ndefault_ulimits = []\n');
  const env = plainEnv({ CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? confFile });
  const podman = (args: string[], timeoutMs = 120_000) =>
    runOk('podman', args, { cwd: work, env, timeoutMs });

  // The base image: Debian 12 from debootstrap, unless one is there already.
  const hasBase = await run('podman', ['image', 'exists', BASE_IMAGE], {
    cwd: work,
    env,
    timeoutMs: 30_000,
  });
  if (hasBase.code !== 0) {
    const rootfs = join(work, 'rootfs');
    await runOk('debootstrap', ['--variant=minbase', 'bookworm', rootfs, debianMirror()], {
      cwd: work,
      env,
      timeoutMs: 600_000,
    });
    cleanups.push(async () => {
      await podman(['rmi', '-f', BASE_IMAGE]);
    });
    await runOk('sh', ['-c', `tar -C '${rootfs}' -c . | podman import --quiet - ${BASE_IMAGE}`], {
      cwd: work,
      env,
      timeoutMs: 300_000,
    });
    rmSync(rootfs, { recursive: true, force: true });
  }

  const out = join(work, 'release');
  await runOk(process.execPath, ['scripts/release.mjs', '--no-build', '--out', out], {
    cwd: REPO_ROOT,
    timeoutMs: 60_000,
  });
  const { version } = JSON.parse(
    readFileSync(join(REPO_ROOT, 'packages/server/package.json'), 'utf8'),
  ) as { version: string };
  const image = `localhost/spreed-ts-signaling:test-${process.pid}`;
  cleanups.push(async () => {
    await podman(['rmi', '-f', image]);
  });
  await runOk(
    join(REPO_ROOT, 'packaging/build-container.sh'),
    [join(out, `spreed-ts-signaling-${version}.tar.gz`), image],
    { cwd: work, env: { ...env, BASE_IMAGE }, timeoutMs: 300_000 },
  );

  const port = await freePort();
  const conf = join(work, 'server.conf');
  const example = readFileSync(join(REPO_ROOT, 'packaging/server.conf.example'), 'utf8');
  writeFileSync(conf, example.replace(/^listen = .*$/m, `listen = 127.0.0.1:${port}`));
  chmodSync(conf, 0o644); // the server runs as nobody in the container
  const name = `spreed-ts-test-${process.pid}`;
  cleanups.push(async () => {
    await podman(['rm', '-f', name]);
  });
  await podman([
    'run',
    '-d',
    '--name',
    name,
    '--runtime',
    RUNTIME,
    '--ulimit',
    'host',
    '--network',
    'host',
    '-v',
    `${conf}:/etc/nextcloud-spreed-signaling/server.conf:ro`,
    image,
  ]);

  const deadline = Date.now() + 30_000;
  while (!/listening address=/.test(await podman(['logs', name], 10_000))) {
    assert.ok(Date.now() < deadline, `not listening:\n${await podman(['logs', name], 10_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const { welcome, answer } = await assertServes(port);
  assert.equal((welcome as { version: string }).version, version);
  assert.ok(['hello', 'error'].includes((answer as { type: string }).type), JSON.stringify(answer));
  assert.match(await podman(['exec', name, '/usr/local/bin/node', '--version']), /^v20\./);
  assert.equal((await podman(['exec', name, 'id', '-u'])).trim(), '65534');

  await podman(['stop', '-t', '15', name]);
  assert.equal((await podman(['inspect', name, '--format', '{{.State.ExitCode}}'])).trim(), '0');
  assert.match(await podman(['logs', name]), /shutting down signal=SIGTERM/);

  // The same image as the signaling proxy: its entrypoint, proxy.conf and a public key mounted.
  const proxyPort = await freePort();
  const keys = join(work, 'keys');
  await runOk(
    'sh',
    [
      '-c',
      `mkdir -p '${keys}' && cd '${keys}' && openssl genrsa -out proxy-token.key 2048 && openssl rsa -in proxy-token.key -pubout -out proxy-token.pub`,
    ],
    {
      cwd: work,
      timeoutMs: 30_000,
    },
  );
  chmodSync(keys, 0o755);
  chmodSync(join(keys, 'proxy-token.pub'), 0o644);
  const proxyConf = join(work, 'proxy.conf');
  writeFileSync(
    proxyConf,
    readFileSync(join(REPO_ROOT, 'packaging/proxy.conf.example'), 'utf8')
      .replace(/^listen = .*$/m, `listen = 127.0.0.1:${proxyPort}`)
      .replace(/^url = ws:.*$/m, 'url = ws://127.0.0.1:1/'),
  );
  chmodSync(proxyConf, 0o644);
  const proxyName = `spreed-ts-test-proxy-${process.pid}`;
  cleanups.push(async () => {
    await podman(['rm', '-f', proxyName]);
  });
  await podman([
    'run',
    '-d',
    '--name',
    proxyName,
    '--runtime',
    RUNTIME,
    '--ulimit',
    'host',
    '--network',
    'host',
    '--entrypoint',
    '["/usr/local/bin/node", "bin/proxy"]',
    '-v',
    `${proxyConf}:/etc/nextcloud-spreed-signaling/proxy.conf:ro`,
    '-v',
    `${join(keys, 'proxy-token.pub')}:/etc/nextcloud-spreed-signaling/proxy-token.pub:ro`,
    image,
    '-config',
    '/etc/nextcloud-spreed-signaling/proxy.conf',
  ]);
  const proxyDeadline = Date.now() + 30_000;
  while (!/listening address=/.test(await podman(['logs', proxyName], 10_000))) {
    assert.ok(
      Date.now() < proxyDeadline,
      `proxy not listening:\n${await podman(['logs', proxyName], 10_000)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const proxyWelcome = await fetch(`http://127.0.0.1:${proxyPort}/welcome`);
  assert.equal(proxyWelcome.status, 200);
  assert.deepEqual(await proxyWelcome.json(), {
    'nextcloud-spreed-signaling-proxy': 'Welcome',
    version,
  });
  await podman(['stop', '-t', '15', proxyName]);
  assert.equal(
    (await podman(['inspect', proxyName, '--format', '{{.State.ExitCode}}'])).trim(),
    '0',
  );
});
