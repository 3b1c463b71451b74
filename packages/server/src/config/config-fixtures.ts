import assert from 'node:assert/strict';
import { loadConfig } from './load-config.js';
import { ConfigError, type LoadedConfig } from './server-config.js';

/**
 * Helpers shared by the loader tests (not a test file itself).
 * @internal
 */

/** A hash key of the recommended length. */
export const HASH_KEY = '0123456789abcdef0123456789abcdef';

/** A minimal valid file plus the given lines (section headers may repeat: sections merge). */
export function conf(...lines: string[]): string {
  return ['[sessions]', `hashkey = ${HASH_KEY}`, ...lines].join('\n');
}

/** {@link loadConfig} with an empty environment unless one is given. */
export function load(text: string, env: Record<string, string | undefined> = {}): LoadedConfig {
  return loadConfig(text, env);
}

/** Asserts that loading throws a ConfigError for this section and key, mentioning `mention`. */
export function assertConfigError(
  text: string,
  section: string,
  key: string,
  mention?: string,
): void {
  assert.throws(
    () => load(text),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.section, section, error.message);
      assert.equal(error.key, key, error.message);
      assert.ok(error.message.startsWith(`[${section}] ${key}: `), error.message);
      if (mention !== undefined) {
        assert.ok(error.message.includes(mention), error.message);
      }
      return true;
    },
  );
}
