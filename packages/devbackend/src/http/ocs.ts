import type { ServerResponse } from 'node:http';

/** The `meta` block of an OCS v2 response. */
export interface OcsMeta {
  status: 'ok' | 'failure';
  statuscode: number;
  message: string;
}

/** An OCS v2 envelope: `{ocs: {meta, data}}`. */
export interface OcsEnvelope<T = unknown> {
  ocs: { meta: OcsMeta; data: T };
}

/** Wraps data the way Nextcloud's OCS v2 formatter does; the HTTP status doubles as statuscode. */
export function ocsEnvelope<T>(httpStatus: number, data: T, message?: string): OcsEnvelope<T> {
  const ok = httpStatus >= 200 && httpStatus < 300;
  return {
    ocs: {
      meta: {
        status: ok ? 'ok' : 'failure',
        statuscode: httpStatus,
        message: message ?? (ok ? 'OK' : ''),
      },
      data,
    },
  };
}

/** Headers Nextcloud puts on every dynamic response. */
export const NEXTCLOUD_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
  Expires: 'Thu, 19 Nov 1981 08:52:00 GMT',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Robots-Tag': 'noindex, nofollow',
  'Referrer-Policy': 'no-referrer',
};

/** Writes a complete response. */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { ...NEXTCLOUD_HEADERS, ...headers });
  res.end(body);
}

/** Writes an OCS JSON response. */
export function sendOcs(
  res: ServerResponse,
  httpStatus: number,
  data: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  send(res, httpStatus, JSON.stringify(ocsEnvelope(httpStatus, data)), {
    'Content-Type': 'application/json; charset=utf-8',
    ...headers,
  });
}
