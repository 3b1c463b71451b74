import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  canonicalBackendUrl,
  JsonDepthError,
  MAX_JSON_DEPTH,
  parseJsonBounded,
  validateChecksum,
} from '@spreed-ts/protocol';
import type { Backend, BackendRegistry } from '../backend/backend-registry.js';
import type { Throttler } from '../hub/throttle.js';
import type { ReplayGuard } from './replay-guard.js';

/** Largest accepted backend request body (upstream: 256 KiB). */
export const MAX_BACKEND_BODY = 256 * 1024;

/** The answer of a processed backend request. */
export interface BackendApiResult {
  status: number;
  body: unknown;
}

/** Request details a processor may need besides the body. */
export interface BackendApiRequestInfo {
  /** The `Spreed-Signaling-Backend` header as sent (dial-out hands it to the SIP bridge), if any. */
  backendUrl: string | undefined;
}

/** Processes authenticated backend requests (rooms API). */
export interface BackendApiProcessor {
  /**
   * Handles one request for `roomId`. Returns the response; throws {@link BackendApiError} for a
   * client error.
   */
  process(
    backend: Backend,
    roomId: string,
    body: unknown,
    info?: BackendApiRequestInfo,
  ): Promise<BackendApiResult> | BackendApiResult;
}

/** A backend request that is refused with a plain-text HTTP error. */
export class BackendApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'BackendApiError';
    this.status = status;
  }
}

/** What the handler needs. */
export interface BackendApiDeps {
  backends: BackendRegistry;
  throttler: Throttler;
  processor: () => BackendApiProcessor | undefined;
  clientIp: (req: IncomingMessage) => string;
  commonHeaders: () => Record<string, string>;
  /** Refuses a signed request sent again (absent: replays are accepted, as upstream). */
  replays?: ReplayGuard;
}

function textError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string>,
) {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(`${message}\n`);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BackendApiError(413, 'Request entity too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * `POST /api/v1/room/<roomid>`: the requests Talk sends to the signaling server. Validates in
 * upstream's order (length, size, content type, checksum headers, throttling, backend, checksum,
 * JSON) and answers errors as plain text with upstream's status codes.
 */
export async function handleBackendRoomRequest(
  req: IncomingMessage,
  res: ServerResponse,
  roomId: string,
  deps: BackendApiDeps,
): Promise<void> {
  const headers = deps.commonHeaders();
  const lengthHeader = req.headers['content-length'];
  if (lengthHeader === undefined && req.headers['transfer-encoding'] !== undefined) {
    textError(res, 411, 'Length required', headers);
    return;
  }
  const length = Number(lengthHeader ?? 0);
  if (!Number.isFinite(length) || length > MAX_BACKEND_BODY) {
    textError(res, 413, 'Request entity too large', headers);
    return;
  }
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    textError(res, 400, 'Unsupported Content-Type', headers);
    return;
  }
  const random = String(req.headers['spreed-signaling-random'] ?? '');
  const checksum = String(req.headers['spreed-signaling-checksum'] ?? '');
  if (random === '' || checksum === '') {
    textError(res, 403, 'Authentication check failed', headers);
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(req, MAX_BACKEND_BODY);
  } catch (err) {
    const status = err instanceof BackendApiError ? err.status : 400;
    textError(
      res,
      status,
      status === 413 ? 'Request entity too large' : 'Could not read body',
      headers,
    );
    return;
  }
  const check = deps.throttler.check(deps.clientIp(req), 'BackendRoomAuth');
  if (check.blocked) {
    textError(res, 429, 'Too many requests', headers);
    return;
  }
  const backendHeader = req.headers['spreed-signaling-backend'];
  const headerText = Array.isArray(backendHeader) ? backendHeader[0] : backendHeader;
  const candidates = deps.backends.candidatesFor(
    headerText,
    headerText ? canonicalBackendUrl(headerText) : undefined,
  );
  const backend = candidates.find((b) => validateChecksum(random, body, b.secret, checksum));
  if (!backend) {
    await check.fail();
    textError(res, 403, 'Authentication check failed', headers);
    return;
  }
  // Talk never sends a random twice except when it retries after a 5xx (forgotten below).
  if (deps.replays !== undefined && !deps.replays.admit(random)) {
    textError(res, 403, 'Replayed request', headers);
    return;
  }
  let parsed: unknown;
  try {
    parsed = parseJsonBounded(body.toString('utf8'), MAX_JSON_DEPTH);
  } catch (err) {
    textError(
      res,
      400,
      err instanceof JsonDepthError ? `Could not read body: ${err.message}` : 'Could not read body',
      headers,
    );
    return;
  }
  const processor = deps.processor();
  if (!processor) {
    deps.replays?.forget(random);
    textError(res, 500, 'Error while processing', headers);
    return;
  }
  let result: BackendApiResult;
  try {
    result = await processor.process(backend, roomId, parsed, {
      backendUrl: headerText || undefined,
    });
  } catch (err) {
    if (err instanceof BackendApiError) {
      textError(res, err.status, err.message, headers);
      return;
    }
    deps.replays?.forget(random);
    textError(res, 500, 'Error while processing', headers);
    return;
  }
  if (result.status >= 500) {
    deps.replays?.forget(random);
  }
  res.writeHead(result.status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(JSON.stringify(result.body));
}
