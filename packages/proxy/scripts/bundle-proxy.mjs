#!/usr/bin/env node
// Bundles the compiled proxy (`dist/main.js` and the parts of @spreed-ts/server and
// @spreed-ts/protocol it uses) into one ES module, dist/bundle/proxy.mjs, which bin/proxy runs and
// the release tarball ships; for the same reasons and by the same rules as the server's bundle
// (scripts/bundle-entry.mjs). Run after `tsc -b`; the root `npm run build` does both.
import { fileURLToPath } from 'node:url';
import { bundleEntry } from '../../../scripts/bundle-entry.mjs';

await bundleEntry(fileURLToPath(new URL('..', import.meta.url)), 'proxy');
