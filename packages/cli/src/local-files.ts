import { randomBytes } from 'node:crypto';
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readWavFile, readY4mFile, type Y4mVideo } from '@spreed-ts/client';

/** A local file or folder `talk` cannot use; the message is one line for the user. */
export class LocalFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalFileError';
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'it exists and is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EISDIR: 'it is a directory',
};

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    return REASONS[code] ?? code;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates `dir` and its missing parents. Not `mkdir(…, { recursive: true })`: on a path it cannot
 * create (e.g. under /proc, where mkdir says ENOENT although the parent exists) Node's recursive
 * mkdir retries forever, burning CPU.
 */
async function makeDir(dir: string, depth = 0): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EEXIST') {
      if (!(await stat(dir)).isDirectory()) {
        throw error;
      }
      return;
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir || depth > 64) {
      throw error;
    }
    await makeDir(parent, depth + 1);
    // Once: if it still fails, the directory cannot be made here.
    await mkdir(dir).catch(async (again: unknown) => {
      if ((again as { code?: unknown }).code !== 'EEXIST' || !(await stat(dir)).isDirectory()) {
        throw again;
      }
    });
  }
}

/**
 * Makes sure `dir` is a folder `talk` can write recordings into: creates it (with its parents)
 * when missing, then writes and removes a probe file. Throws {@link LocalFileError}.
 */
export async function checkRecordDir(dir: string): Promise<void> {
  try {
    await makeDir(dir);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? `cannot create it there (${reason(error)})` : reason(error);
    throw new LocalFileError(`cannot record into ${dir}: ${why}`, { cause: error });
  }
  try {
    const probe = join(dir, `.talk-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '');
    await unlink(probe);
  } catch (error) {
    throw new LocalFileError(`cannot record into ${dir}: cannot write there (${reason(error)})`, {
      cause: error,
    });
  }
}

/** Reads and decodes the WAV file for `--play` (48 kHz mono). Throws {@link LocalFileError}. */
export async function loadWav(path: string): Promise<Int16Array> {
  try {
    return await readWavFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why =
      typeof code === 'string' ? reason(error) : `not a playable WAV file (${reason(error)})`;
    throw new LocalFileError(`cannot play ${path}: ${why}`, { cause: error });
  }
}

/** Reads a 4:2:0 Y4M file for `--video`/`--screen`. Throws {@link LocalFileError}. */
export async function loadY4m(path: string, flag: string): Promise<Y4mVideo> {
  try {
    return await readY4mFile(path);
  } catch (error) {
    throw new LocalFileError(
      `cannot send ${path} (${flag} takes test-pattern or a Y4M file): ${reason(error)}`,
      { cause: error },
    );
  }
}
