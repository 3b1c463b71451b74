import { skipString } from './raw-json.js';

/**
 * Nesting limits for JSON read at the edges of the server. `JSON.parse` itself copes with any
 * depth, but everything that later walks or serialises a value (`JSON.stringify`, structural
 * comparison, relaying) recurses, and an array nested a few thousand levels deep would overflow
 * the stack there — far from the edge that let it in. So depth is refused once, at the edge,
 * before anything else sees the value.
 */

/**
 * Deepest nesting accepted from clients, Nextcloud and other HTTP peers (the top-level object is
 * level 1). Talk's own messages stay below 10 levels; 256 leaves room for any application data
 * while every recursive walk in the server stays far from the stack limit (upstream's Go decoder
 * allows 10,000; documented as a difference).
 */
export const MAX_JSON_DEPTH = 256;

/**
 * Deepest nesting accepted from other servers (cluster bus, federation peers): they wrap values
 * that came from their clients in a few more levels, so they get twice the client limit.
 */
export const MAX_PEER_JSON_DEPTH = 2 * MAX_JSON_DEPTH;

const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether `text` nests objects/arrays deeper than `limit` (brackets inside strings do not count).
 * One pass, no recursion. A valid document of depth `d` has at least `2d` characters, so short
 * texts are answered `false` without scanning; for invalid JSON the answer only matters to the
 * extent that `JSON.parse` would accept it, and it never does.
 */
export function exceedsJsonDepth(text: string, limit: number): boolean {
  const length = text.length;
  if (length <= 2 * limit || !moreOpeningsThan(text, limit)) {
    return false;
  }
  let depth = 0;
  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > limit) {
        return true;
      }
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
    i++;
  }
  return false;
}

/**
 * Whether `text` has more than `limit` opening brackets, counting those inside strings too: an
 * upper bound of the depth found with the engine's native search, so that ordinary messages (a
 * few dozen brackets) skip the character-by-character scan.
 */
function moreOpeningsThan(text: string, limit: number): boolean {
  let count = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) {
    if (++count > limit) {
      return true;
    }
  }
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) {
    if (++count > limit) {
      return true;
    }
  }
  return false;
}

/** Thrown by {@link parseJsonBounded} for a document nested deeper than its limit. */
export class JsonDepthError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`JSON nested deeper than ${limit} levels`);
    this.name = 'JsonDepthError';
    this.limit = limit;
  }
}

/**
 * `JSON.parse` for text from outside: throws {@link JsonDepthError} for documents nested deeper
 * than `limit`, and `SyntaxError` for invalid JSON as `JSON.parse` does.
 */
export function parseJsonBounded(text: string, limit: number = MAX_JSON_DEPTH): unknown {
  if (exceedsJsonDepth(text, limit)) {
    throw new JsonDepthError(limit);
  }
  return JSON.parse(text);
}
