import { closeSync, openSync, readSync } from 'node:fs';

/** Largest configuration file read (upstream's example is about 20 KiB). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Reads a configuration file as UTF-8, refusing one larger than `limit` bytes. Reads in chunks
 * rather than trusting the file size, so that a device or a pipe (`-config /dev/zero`) fails
 * with a clear message instead of filling memory.
 */
export function readConfigFile(path: string, limit = MAX_CONFIG_BYTES): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) {
        break;
      }
      total += read;
      if (total > limit) {
        throw new Error(`larger than ${limit} bytes`);
      }
      chunks.push(chunk.subarray(0, read));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
