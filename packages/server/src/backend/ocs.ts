import { isObject, JsonDepthError, MAX_JSON_DEPTH, parseJsonBounded } from '@spreed-ts/protocol';
import { BackendRequestError } from './backend-errors.js';
import type { FetchedResponse } from './http-fetch.js';

/**
 * Parses a JSON answer from Nextcloud, unwrapping the OCS envelope `{ocs: {meta, data}}` when
 * `ocs` is set. Upstream does not look at the HTTP status here: Talk answers its signaling backend
 * requests with 200 and puts failures into the body.
 */
export function parseJsonResponse(response: FetchedResponse, ocs: boolean): unknown {
  const contentType = String(response.headers['content-type'] ?? '');
  if (!contentType.startsWith('application/json')) {
    throw new BackendRequestError(
      'invalid_content_type',
      `unexpected content type ${JSON.stringify(contentType)} (HTTP ${response.status})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = parseJsonBounded(response.body.toString('utf8'), MAX_JSON_DEPTH);
  } catch (cause) {
    const why = cause instanceof JsonDepthError ? cause.message : 'response is not JSON';
    throw new BackendRequestError('invalid_json', `${why} (HTTP ${response.status})`, { cause });
  }
  if (!ocs) {
    return parsed;
  }
  const envelope = isObject(parsed) ? parsed.ocs : undefined;
  const data = isObject(envelope) ? envelope.data : undefined;
  if (!isObject(envelope) || data === undefined || data === null) {
    throw new BackendRequestError(
      'incomplete_ocs',
      `incomplete OCS response (HTTP ${response.status})`,
    );
  }
  const meta = envelope.meta;
  if (isObject(meta) && meta.statuscode === 429) {
    throw new BackendRequestError('throttled', 'the backend throttled the request');
  }
  return data;
}
