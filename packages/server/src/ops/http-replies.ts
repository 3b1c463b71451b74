import type { ServerResponse } from 'node:http';

/**
 * Go's `http.Error`: a plain-text body ending in a newline, with `nosniff`. Used where upstream
 * calls it (stats access refused).
 */
export function plainError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string>,
): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(`${message}\n`);
}

/**
 * A plain-text reply as Go writes one when a handler sets only a status and writes text: the
 * content type is sniffed as text, no `nosniff` (upstream's TURN credential errors).
 */
export function plainText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string>,
): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/** Escapes what Go's `encoding/json` escapes for HTML safety (`<`, `>`, `&`, U+2028, U+2029). */
function goJsonEscape(json: string): string {
  return json.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Go's `json.MarshalIndent(value, "", "  ")`: two-space indent, HTML-escaped, no newline. */
export function goIndentedJson(value: unknown): string {
  return goJsonEscape(JSON.stringify(value, null, 2));
}

/** Go's `json.Marshal(value)` plus the newline upstream appends. */
export function goJsonLine(value: unknown): string {
  return `${goJsonEscape(JSON.stringify(value))}\n`;
}

/** A JSON reply as upstream's stats and serverinfo handlers send it. */
export function jsonReply(
  res: ServerResponse,
  body: string,
  headers: Record<string, string>,
  nosniff: boolean,
): void {
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    ...(nosniff ? { 'X-Content-Type-Options': 'nosniff' } : {}),
  });
  res.end(body);
}
