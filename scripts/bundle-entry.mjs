// Bundles a package's compiled entry point (`dist/main.js` and what it imports, our workspace
// packages included) into one ES module, `<package>/dist/bundle/<name>.mjs`, the way bin/signaling
// and bin/proxy run it and the release ships it. See packages/server/scripts/bundle-server.mjs
// for why we bundle at all.
//
// Next to the bundle, inputs.json lists the files it was built from with their size and mtime
// (paths relative to the repository root): the launchers fall back to dist/main.js when any of
// them changed since (e.g. after a bare `tsc -b`), and the release refuses a stale bundle.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** npm packages that stay packages (etcd3 reads its .proto files from its own folder). */
const EXTERNAL = ['ws', 'etcd3'];

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * @param {string} pkgDir the package's folder
 * @param {string} name the bundle's file name without extension
 */
export async function bundleEntry(pkgDir, name) {
  const outdir = join(pkgDir, 'dist', 'bundle');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: pkgDir,
    entryPoints: { [name]: 'dist/main.js' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // What is loaded on demand stays in chunks of its own.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map((input) => resolve(pkgDir, input))
    .sort()
    .map((path) => {
      const stat = statSync(path);
      return { path: relative(ROOT, path), size: stat.size, mtimeMs: stat.mtimeMs };
    });
  writeFileSync(join(outdir, 'inputs.json'), `${JSON.stringify({ inputs }, null, 1)}\n`);
}
