import { isObject, parseJsonBounded } from '@spreed-ts/protocol';

/** Nesting allowed in an etcd value: the documents upstream stores there are flat. */
export const MAX_ETCD_JSON_DEPTH = 8;

/** Parses an etcd value that must be a JSON object (bounded depth); throws with a reason. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseJsonBounded(text, MAX_ETCD_JSON_DEPTH);
  } catch (err) {
    throw new Error(`not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) {
    throw new Error('not a JSON object');
  }
  return parsed;
}
