#!/usr/bin/env node
// `npm run release`: builds, then writes into release/ (or --out DIR)
//   - one `npm pack` tarball per published package (protocol, server, devbackend, client, cli),
//   - spreed-ts-signaling-VERSION.tar.gz: the signaling server without the monorepo — the
//     one-file bundle (lib/), its runtime dependencies ws and etcd3 (node_modules/, copied from
//     this install, so exactly the locked versions), bin/signaling, the systemd unit, the
//     container file, an example server.conf, LICENSE and a README.
// `--no-build` skips the build (the tests use it after `npm run build`). Needs GNU tar.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['protocol', 'server', 'devbackend', 'client', 'cli'];
/** What the bundle leaves to Node's resolution (packages/server/scripts/bundle-server.mjs). */
const RUNTIME_DEPENDENCIES = ['ws', 'etcd3'];

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'release') },
    'no-build': { type: 'boolean' },
  },
});
const out = resolve(values.out);

function run(command, args, options = {}) {
  return execFileSync(command, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    ...options,
  });
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The bundle must come from the current sources, as bin/signaling checks before it runs one. */
function checkBundle(bundleDir) {
  const { inputs } = readJson(join(bundleDir, 'inputs.json'));
  for (const { path, size, mtimeMs } of inputs) {
    const stat = statSync(join(root, path));
    if (stat.size !== size || stat.mtimeMs !== mtimeMs) {
      throw new Error(`the server bundle is older than ${path}: run npm run build`);
    }
  }
}

/** Finds `name` as Node would from `fromDir` (walking up node_modules folders inside the repo). */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      return candidate;
    }
    if (dir === root || dir === dirname(dir)) {
      throw new Error(`${name} is not installed (from ${fromDir}): run npm ci`);
    }
  }
}

/** Copies `name` and its dependencies into `stage`, at the same node_modules paths as here. */
function copyDependency(name, fromDir, stage, copied) {
  const dir = findPackage(name, fromDir);
  if (copied.has(dir)) {
    return;
  }
  copied.add(dir);
  cpSync(dir, join(stage, relative(root, dir)), {
    recursive: true,
    filter: (src) => !/\/node_modules(\/|$)/.test(src.slice(dir.length)),
  });
  const pkg = readJson(join(dir, 'package.json'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    copyDependency(dep, dir, stage, copied);
  }
  for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
    try {
      copyDependency(dep, dir, stage, copied);
    } catch {
      // Not installed on this platform: Node's resolution would not find it either.
    }
  }
}

function serverRelease(version) {
  const name = `spreed-ts-signaling-${version}`;
  const staging = join(out, '.staging');
  const stage = join(staging, name);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(stage, 'lib'), { recursive: true });
  mkdirSync(join(stage, 'bin'));

  const bundleDir = join(root, 'packages/server/dist/bundle');
  checkBundle(bundleDir);
  for (const file of readdirSync(bundleDir).filter((f) => f.endsWith('.mjs'))) {
    copyFileSync(join(bundleDir, file), join(stage, 'lib', file));
  }
  copyFileSync(join(root, 'packaging/release/signaling'), join(stage, 'bin/signaling'));
  chmodSync(join(stage, 'bin/signaling'), 0o755);

  const server = join(root, 'packages/server');
  const copied = new Set();
  const dependencies = {};
  for (const dep of RUNTIME_DEPENDENCIES) {
    copyDependency(dep, server, stage, copied);
    dependencies[dep] = readJson(join(findPackage(dep, server), 'package.json')).version;
  }
  const manifest = {
    name: 'spreed-ts-signaling',
    version,
    private: true,
    description: 'Nextcloud Talk signaling server (spreed-ts), release build',
    license: 'AGPL-3.0-or-later',
    type: 'module',
    engines: { node: '>=20.11' },
    bin: { signaling: './bin/signaling' },
    dependencies,
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
  copyFileSync(join(root, 'packaging/release/README.md'), join(stage, 'README.md'));
  copyFileSync(join(root, 'CHANGELOG.md'), join(stage, 'CHANGELOG.md'));
  copyFileSync(join(root, 'packaging/server.conf.example'), join(stage, 'server.conf.example'));
  copyFileSync(
    join(root, 'packaging/spreed-ts-signaling.service'),
    join(stage, 'spreed-ts-signaling.service'),
  );
  copyFileSync(join(root, 'packaging/Containerfile'), join(stage, 'Containerfile'));

  const tarball = join(out, `${name}.tar.gz`);
  // Reproducible: sorted names, fixed owner, and the release commit's date for every file.
  const mtime = process.env.SOURCE_DATE_EPOCH
    ? `@${process.env.SOURCE_DATE_EPOCH}`
    : run('git', ['log', '-1', '--format=%cI']).toString().trim();
  run('tar', [
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    `--mtime=${mtime}`,
    '-czf',
    tarball,
    '-C',
    staging,
    name,
  ]);
  rmSync(staging, { recursive: true, force: true });
  return tarball;
}

if (!values['no-build']) {
  run('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const packed = JSON.parse(
  run('npm', [
    'pack',
    '--json',
    '--silent',
    '--pack-destination',
    out,
    ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`]),
  ]).toString(),
);
const version = readJson(join(root, 'packages/server/package.json')).version;
const files = [...packed.map((p) => join(out, p.filename)), serverRelease(version)];
for (const file of files) {
  console.log(`${relative(process.cwd(), file)}  ${(statSync(file).size / 1024).toFixed(0)} KiB`);
}
