/**
 * Finding the text of one member in a JSON document that is already known to be valid (it has been
 * through `JSON.parse`). Relaying a peer's `data` as the bytes it arrived in saves serialising it
 * again for every message; the scanner relies on validity and only skips over values.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (isSpace(text.charCodeAt(i))) {
    i++;
  }
  return i;
}

/**
 * End (exclusive) of the JSON string starting with the quote at `at`; the text's end when it is
 * unterminated. Escaped quotes are recognised by the number of backslashes before them.
 */
export function skipString(text: string, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) {
      return text.length;
    }
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) {
      backslashes++;
    }
    if (backslashes % 2 === 0) {
      return quote + 1;
    }
    from = quote + 1;
  }
}

/** End (exclusive) of the value starting at `at`. */
function skipValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) {
    return skipString(text, at);
  }
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let i = at;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code === QUOTE) {
        i = skipString(text, i);
        continue;
      }
      if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        depth++;
      } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          return i + 1;
        }
      }
      i++;
    }
    return text.length;
  }
  // A number, true, false or null: up to the next delimiter.
  let i = at;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isSpace(code)) {
      break;
    }
    i++;
  }
  return i;
}

/**
 * Start and end of the value of `key` in the object starting at `at` (the last one when the key
 * repeats, as `JSON.parse` keeps the last). Undefined when the key is absent or when a key uses
 * escapes (then the raw text cannot be compared; callers fall back to the parsed value).
 */
function memberSpan(text: string, at: number, key: string): [number, number] | undefined {
  let i = skipSpace(text, at);
  if (text.charCodeAt(i) !== OPEN_BRACE) {
    return undefined;
  }
  let found: [number, number] | undefined;
  i = skipSpace(text, i + 1);
  while (text.charCodeAt(i) === QUOTE) {
    const keyEnd = skipString(text, i);
    const name = text.slice(i + 1, keyEnd - 1);
    if (name.includes('\\')) {
      return undefined;
    }
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) {
      return undefined;
    }
    const valueStart = skipSpace(text, i + 1);
    const valueEnd = skipValue(text, valueStart);
    if (name === key) {
      found = [valueStart, valueEnd];
    }
    i = skipSpace(text, valueEnd);
    if (text.charCodeAt(i) === COMMA) {
      i = skipSpace(text, i + 1);
    }
  }
  return found;
}

/**
 * The text of the value at `path` (a chain of object keys from the top) in `json`, which must be
 * valid JSON. Undefined when the path does not lead to a value or cannot be followed in the raw
 * text.
 */
export function rawMemberText(json: string, path: readonly string[]): string | undefined {
  let start = 0;
  let end = json.length;
  for (const key of path) {
    const span = memberSpan(json, start, key);
    if (span === undefined) {
      return undefined;
    }
    [start, end] = span;
  }
  return json.slice(start, end);
}
