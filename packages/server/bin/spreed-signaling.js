#!/usr/bin/env node
// The `spreed-signaling` executable of the npm package: node runs the server's compiled modules,
// so this process's PID is the server's. Flags as upstream: -config PATH and -version.
await import('../dist/main.js');
