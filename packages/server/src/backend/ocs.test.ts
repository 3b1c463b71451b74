import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_JSON_DEPTH } from '@spreed-ts/protocol';
import { BackendRequestError } from './backend-errors.js';
import type { FetchedResponse } from './http-fetch.js';
import { parseJsonResponse } from './ocs.js';

function response(body: string): FetchedResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(body),
  };
}

test('ocs - answers nested past the limit are invalid answers, not crashes', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  const ocs = (data: string) => `{"ocs":{"meta":{"status":"ok"},"data":{"x":${data}}}}`;
  assert.deepEqual(parseJsonResponse(response(ocs('1')), true), { x: 1 });
  assert.doesNotThrow(() => parseJsonResponse(response(ocs(nested(MAX_JSON_DEPTH - 3))), true));
  for (const depth of [MAX_JSON_DEPTH, 50_000]) {
    assert.throws(
      () => parseJsonResponse(response(ocs(nested(depth))), true),
      (err: unknown) =>
        err instanceof BackendRequestError &&
        err.failure === 'invalid_json' &&
        /nested deeper than 256 levels/.test(err.message),
    );
  }
});
