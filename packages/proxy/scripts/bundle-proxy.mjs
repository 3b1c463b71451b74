#!/usr/bin/env node
// Bundles the compiled proxy (`dist/main.js` and what it imports, the parts of @spreed-ts/server
// and @spreed-ts/protocol it uses included) into one ES module, dist/bundle/proxy.mjs, which
// bin/proxy runs and the release tarball ships. Run after `tsc -b`; the root `npm run build` does
// both. The same reasons and the same rules as packages/server/scripts/bundle-server.mjs: fewer
// modules for Node's loader to track, a quicker start, and inputs.json (each source file's size
// and mtime) so that bin/proxy falls back to dist/main.js when the bundle is older than a source.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const outdir = fileURLToPath(new URL('../dist/bundle/', import.meta.url));

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: pkg,
  entryPoints: { proxy: 'dist/main.js' },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The npm packages stay packages, resolved from the release's node_modules (the server's list:
  // etcd3 reads its .proto files from its own folder and cannot be bundled).
  external: ['ws', 'etcd3'],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

// Paths relative to the repository root, which is where bin/proxy resolves them from.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const inputs = Object.keys(result.metafile.inputs)
  .map((input) => resolve(pkg, input))
  .sort()
  .map((path) => {
    const stat = statSync(path);
    return { path: relative(root, path), size: stat.size, mtimeMs: stat.mtimeMs };
  });
writeFileSync(`${outdir}inputs.json`, `${JSON.stringify({ inputs }, null, 1)}\n`);
