import { createRequire } from 'node:module';

/**
 * `require` for the CommonJS package `ws` (and formerly `nats`). Importing a CommonJS package from an ES
 * module makes Node scan its source for export names with a WebAssembly lexer, whose compilation
 * and memory stay in the process: with Janus and NATS configured the server had 5-7 MiB more RSS
 * than when it requires them (66-68 vs 61 MiB). The packages and their classes are the same
 * either way (one module cache).
 */
export const requireCjs = createRequire(import.meta.url);
