#!/usr/bin/env node
// `npm run release`: builds, then writes into release/ (or --out DIR)
//   - one `npm pack` tarball per published package (protocol, server, devbackend, client, cli),
//   - spreed-ts-signaling-VERSION.tar.gz: the signaling server and the signaling proxy without
//     the monorepo — the server's one-file bundle (lib/) and the proxy's (lib/proxy/), their
//     runtime dependencies ws and etcd3 (node_modules/, copied from this install, so exactly the
//     locked versions), bin/signaling and bin/proxy, a systemd unit for each, the container
//     file, example server.conf and proxy.conf, LICENSE and a README.
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
import { staleBundleInput } from '../bin/bundle-state.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['protocol', 'server', 'devbackend', 'client', 'cli'];
/** What the bundles leave to Node's resolution (`EXTERNAL` in scripts/bundle-entry.mjs). */
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

/**
 * A bundle must come from the current sources, as bin/signaling and bin/proxy check before they
 * run one. Copies its modules (entry and chunks) into `dest`.
 */
function copyBundle(what, bundleDir, dest) {
  const stale = staleBundleInput(join(root, '/'), bundleDir);
  if (stale === 'missing') {
    throw new Error(`there is no ${what} bundle: run npm run build`);
  }
  if (stale !== undefined) {
    throw new Error(`the ${what} bundle is older than ${stale}: run npm run build`);
  }
  mkdirSync(dest, { recursive: true });
  for (const file of readdirSync(bundleDir).filter((f) => f.endsWith('.mjs'))) {
    copyFileSync(join(bundleDir, file), join(dest, file));
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

  // The proxy's bundle has chunks of its own (esbuild names them after their content, so they
  // could share a name with a different server chunk): it gets its own folder.
  copyBundle('server', join(root, 'packages/server/dist/bundle'), join(stage, 'lib'));
  copyBundle('proxy', join(root, 'packages/proxy/dist/bundle'), join(stage, 'lib/proxy'));
  for (const bin of ['signaling', 'proxy']) {
    copyFileSync(join(root, 'packaging/release', bin), join(stage, 'bin', bin));
    chmodSync(join(stage, 'bin', bin), 0o755);
  }

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
    description: 'Nextcloud Talk signaling server and signaling proxy (spreed-ts), release build',
    license: 'AGPL-3.0-or-later',
    type: 'module',
    engines: { node: '>=20.11' },
    bin: { signaling: './bin/signaling', proxy: './bin/proxy' },
    dependencies,
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
  copyFileSync(join(root, 'packaging/release/README.md'), join(stage, 'README.md'));
  copyFileSync(join(root, 'CHANGELOG.md'), join(stage, 'CHANGELOG.md'));
  for (const file of [
    'server.conf.example',
    'proxy.conf.example',
    'spreed-ts-signaling.service',
    'spreed-ts-signaling-proxy.service',
  ]) {
    copyFileSync(join(root, 'packaging', file), join(stage, file));
  }
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
