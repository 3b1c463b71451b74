#!/usr/bin/env node
// Builds the browser bundles of @spreed-ts/client from the compiled `dist/` (run after `tsc -b`;
// the root `npm run build` does both):
//   dist/bundle/talk-client.js  the SDK's browser entry (`dist/browser.js`) as one ES module
//   dist/bundle/call-app.js     the development call page (`call-app/call-app.ts`, type-checked
//                               here against the DOM library), served by the devbackend
// Fails when anything in the graph imports a Node built-in, except the one known gap below.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));

// @spreed-ts/protocol's index re-exports its checksum and JWT helpers, which import node:crypto.
// The client uses neither (only message types, flags and errors), so those imports get an empty
// module; any other Node built-in in the graph fails the build.
const KNOWN_GAPS = [{ specifier: 'node:crypto', importer: /protocol\/dist\/(checksum|jwt)\.js$/ }];

/** @type {import('esbuild').Plugin} */
const noNodeBuiltins = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve(
      {
        filter:
          /^node:|^(fs|path|os|crypto|events|net|tls|http|https|stream|url|util|v8|vm|child_process|worker_threads)(\/.*)?$/,
      },
      (args) => {
        const known = KNOWN_GAPS.some(
          (gap) =>
            gap.specifier === args.path && gap.importer.test(args.importer.replaceAll('\\', '/')),
        );
        if (known) {
          return { path: args.path, namespace: 'node-stub' };
        }
        return {
          errors: [
            {
              text: `Node built-in "${args.path}" imported by ${args.importer} in a browser bundle`,
            },
          ],
        };
      },
    );
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({
      contents: 'module.exports = {};',
      loader: 'js',
    }));
  },
};

const typecheck = spawnSync(
  process.execPath,
  [fileURLToPath(import.meta.resolve('typescript/bin/tsc')), '-p', 'call-app/tsconfig.json'],
  { cwd: pkg, stdio: 'inherit' },
);
if (typecheck.status !== 0) {
  process.exit(typecheck.status ?? 1);
}

const common = {
  absWorkingDir: pkg,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome116', 'firefox124', 'safari17'],
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [noNodeBuiltins],
};
await build({ ...common, entryPoints: ['dist/browser.js'], outfile: 'dist/bundle/talk-client.js' });
await build({
  ...common,
  entryPoints: ['call-app/call-app.ts'],
  outfile: 'dist/bundle/call-app.js',
});
