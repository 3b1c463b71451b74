import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { CapabilitiesCache } from './capabilities.js';
import { HttpFetcher } from './http-fetch.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler) {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    requests,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function capabilities(key: string | undefined, features: string[] = []) {
  const config = key === undefined ? {} : { signaling: { 'hello-v2-token-key': key } };
  return JSON.stringify({
    ocs: { meta: { status: 'ok' }, data: { capabilities: { spreed: { features, config } } } },
  });
}

const fetcher = () =>
  new HttpFetcher({
    connectionsPerHost: 2,
    timeoutMs: 2000,
    skipVerify: false,
    maxBodyBytes: 1 << 20,
  });

test('capabilities - cached for at least a minute, revalidated with the ETag afterwards', {
  timeout: 5000,
}, async () => {
  let now = 1_000_000;
  await using srv = await serve((req, res) => {
    if (req.headers['if-none-match'] === '"v1"') {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      ETag: '"v1"',
      'Cache-Control': 'max-age=10',
    });
    res.end(capabilities('KEY', ['signaling-v3']));
  });
  const cache = new CapabilitiesCache(fetcher(), 'test', () => now);
  assert.equal(await cache.hasFeature(srv.baseUrl, 'signaling-v3'), true);
  assert.deepEqual(await cache.getConfig(srv.baseUrl, 'signaling', 'hello-v2-token-key'), {
    value: 'KEY',
    cached: true,
  });
  assert.equal(srv.requests.length, 1);
  assert.equal(srv.requests[0]?.url, '/ocs/v2.php/cloud/capabilities');
  assert.equal(srv.requests[0]?.headers['ocs-apirequest'], 'true');
  now += 30_000; // max-age is 10 s, but the minimum is a minute
  await cache.hasFeature(srv.baseUrl, 'x');
  assert.equal(srv.requests.length, 1);
  now += 31_000;
  assert.equal(await cache.hasFeature(srv.baseUrl, 'signaling-v3'), true);
  assert.equal(srv.requests.length, 2);
  assert.equal(srv.requests[1]?.headers['if-none-match'], '"v1"');
});

test('capabilities - forced refresh at most once a minute; concurrent lookups share one request', {
  timeout: 5000,
}, async () => {
  let now = 1_000_000;
  let key: string | undefined;
  await using srv = await serve((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(capabilities(key));
    }, 20);
  });
  const cache = new CapabilitiesCache(fetcher(), 'test', () => now);
  const lookups = await Promise.all(
    [1, 2, 3].map(() => cache.getConfig(srv.baseUrl, 'signaling', 'hello-v2-token-key')),
  );
  assert.equal(srv.requests.length, 1);
  assert.deepEqual(lookups[0], { value: undefined, cached: false });
  key = 'NEW';
  cache.invalidate(srv.baseUrl);
  assert.equal(
    (await cache.getConfig(srv.baseUrl, 'signaling', 'hello-v2-token-key')).value,
    'NEW',
  );
  key = 'NEWER';
  cache.invalidate(srv.baseUrl); // too soon: ignored
  assert.equal(
    (await cache.getConfig(srv.baseUrl, 'signaling', 'hello-v2-token-key')).value,
    'NEW',
  );
  now += 61_000;
  cache.invalidate(srv.baseUrl);
  assert.equal(
    (await cache.getConfig(srv.baseUrl, 'signaling', 'hello-v2-token-key')).value,
    'NEWER',
  );
});

test('capabilities - errors keep old data unless must-revalidate was set', {
  timeout: 5000,
}, async () => {
  let now = 1_000_000;
  let mode: 'ok' | 'ok-revalidate' | 'broken' = 'ok';
  await using srv = await serve((_req, res) => {
    if (mode === 'broken') {
      res.writeHead(500, { 'Content-Type': 'text/html' }).end('<h1>oops</h1>');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': mode === 'ok-revalidate' ? 'max-age=60, must-revalidate' : 'max-age=60',
    });
    res.end(capabilities('K', ['a']));
  });
  const cache = new CapabilitiesCache(fetcher(), 'test', () => now);
  assert.equal(await cache.hasFeature(srv.baseUrl, 'a'), true);
  mode = 'broken';
  now += 61_000;
  assert.equal(await cache.hasFeature(srv.baseUrl, 'a'), true);
  mode = 'ok-revalidate';
  now += 61_000;
  assert.equal(await cache.hasFeature(srv.baseUrl, 'a'), true);
  mode = 'broken';
  now += 61_000;
  assert.equal(await cache.hasFeature(srv.baseUrl, 'a'), false);
});
