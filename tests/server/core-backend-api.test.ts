import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { calculateChecksum, randomHex } from '@spreed-ts/protocol';
import { startSignaling } from '@spreed-ts/testkit';

const backendUrl = 'http://127.0.0.1:1/nextcloud/';
const secret = 'backend-secret';

function signed(
  body: string,
  key = secret,
  extra: Record<string, string> = {},
  random = randomHex(32),
): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Spreed-Signaling-Random': random,
    'Spreed-Signaling-Checksum': calculateChecksum(random, body, key),
    'Spreed-Signaling-Backend': backendUrl,
    ...extra,
  };
}

test('backend api - requests are validated in upstream order with upstream status codes', {
  timeout: 20_000,
}, async () => {
  await using sig = await startSignaling({ backends: [{ url: backendUrl, secret }] });
  const url = `${sig.httpUrl}api/v1/room/abc`;
  const body = JSON.stringify({ type: 'message', message: { data: { type: 'chat' } } });
  const post = async (headers: Record<string, string>, data = body) => {
    const res = await fetch(url, { method: 'POST', headers, body: data });
    return { status: res.status, text: await res.text(), headers: res.headers };
  };

  const tooLarge = await post(signed('x'.repeat(300 * 1024)), 'x'.repeat(300 * 1024));
  assert.equal(tooLarge.status, 413);
  const wrongType = await post({ ...signed(body), 'Content-Type': 'text/plain' });
  assert.deepEqual([wrongType.status, wrongType.text], [400, 'Unsupported Content-Type\n']);
  const noChecksum = await post({ 'Content-Type': 'application/json' });
  assert.deepEqual([noChecksum.status, noChecksum.text], [403, 'Authentication check failed\n']);
  assert.ok(noChecksum.headers.get('x-spreed-signaling-features')?.includes('hello-v2'));
  const badChecksum = await post(signed(body, 'wrong-secret'));
  assert.equal(badChecksum.status, 403);
  const unknownBackend = await post(
    signed(body, secret, { 'Spreed-Signaling-Backend': 'http://evil.example/' }),
  );
  assert.equal(unknownBackend.status, 403);
  const badJson = await post(signed('{not json'), '{not json');
  assert.deepEqual([badJson.status, badJson.text], [400, 'Could not read body\n']);
  assert.equal((await fetch(url)).status, 405);

  // Chunked bodies without a length are refused with 411.
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...signed(body), 'Transfer-Encoding': 'chunked' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(chunked, 411);
});

test('backend api - repeated checksum failures from one address are throttled with 429', {
  timeout: 60_000,
}, async () => {
  await using sig = await startSignaling({ backends: [{ url: backendUrl, secret }] });
  const url = `${sig.httpUrl}api/v1/room/abc`;
  const body = '{}';
  // The throttle delays grow 100 ms, 200 ms, …; eight failures take about 25 s of waiting in total,
  // so instead of waiting for ten real failures, count what the server reports.
  const statuses: number[] = [];
  const started = Date.now();
  for (let i = 0; i < 4; i++) {
    const res = await fetch(url, { method: 'POST', headers: signed(body, 'wrong'), body });
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [403, 403, 403, 403]);
  // 100 + 200 + 400 + 800 ms of penalty delays.
  assert.ok(Date.now() - started >= 1400, `penalties applied (${Date.now() - started} ms)`);
  // A correct request from the same address is still answered (only failures are punished).
  const res = await fetch(url, { method: 'POST', headers: signed(body), body });
  assert.notEqual(res.status, 403);
  assert.notEqual(res.status, 429);
});

test('backend api - a signed request sent again is refused; a retry after a 5xx is not', {
  timeout: 20_000,
}, async () => {
  await using sig = await startSignaling({ backends: [{ url: backendUrl, secret }] });
  const url = `${sig.httpUrl}api/v1/room/abc`;
  const body = JSON.stringify({ type: 'message', message: { data: { type: 'chat' } } });
  const post = async (headers: Record<string, string>) => {
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, text: await res.text() };
  };
  // Without the rooms layer every valid request fails with a 500, which Talk retries as it was.
  const retried = signed(body);
  assert.equal((await post(retried)).status, 500);
  assert.equal((await post(retried)).status, 500);
  // Once a request has been answered, the same headers and body are a replay.
  sig.server.setBackendApiProcessor({ process: () => ({ status: 200, body: {} }) });
  const captured = signed(body);
  assert.equal((await post(captured)).status, 200);
  assert.deepEqual(await post(captured), { status: 403, text: 'Replayed request\n' });
  assert.deepEqual(await post({ ...captured }), { status: 403, text: 'Replayed request\n' });
  // A new random with a valid checksum is a new request.
  assert.equal((await post(signed(body))).status, 200);
  // A replay is no brute-force attempt: it is not throttled.
  assert.equal((await post(signed(body))).status, 200);
});
