#!/usr/bin/env node
// Bundles the compiled server (`dist/main.js` and everything it imports, @spreed-ts/protocol
// included) into one ES module, dist/bundle/signaling.mjs, which bin/signaling runs. Run after
// `tsc -b`; the root `npm run build` does both.
//
// Why: Node's ES module loader costs memory per module. Started from ~120 files the idle server
// had 7 MiB more RSS than started from one (57 vs 50 MiB): the loader's own bookkeeping, and the
// resolution code it runs once per import getting hot enough to be optimized, which maps in
// V8's optimizing compiler (3 MiB of the node binary) before the server has done any work.
// It also starts faster (110 instead of 145 ms to listening).
//
// What is loaded on demand (Janus, the NATS client, federation, TLS certificate reloading) stays
// in chunks of its own; the packages ws and etcd3 (with gRPC, loaded only with etcd) are left to
// Node. The rules are shared with the proxy's bundle: scripts/bundle-entry.mjs.
import { fileURLToPath } from 'node:url';
import { bundleEntry } from '../../../scripts/bundle-entry.mjs';

await bundleEntry(fileURLToPath(new URL('..', import.meta.url)), 'signaling');
