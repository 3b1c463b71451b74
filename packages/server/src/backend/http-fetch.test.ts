import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { BackendRequestError } from './backend-errors.js';
import { HttpFetcher } from './http-fetch.js';

/** A server that accepts requests and holds them until released. */
async function holdingServer() {
  const held: http.ServerResponse[] = [];
  let peak = 0;
  let active = 0;
  const server = http.createServer((_req, res) => {
    active += 1;
    peak = Math.max(peak, active);
    res.on('close', () => {
      active -= 1;
    });
    held.push(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    held,
    peak: () => peak,
    async close() {
      for (const res of held) {
        res.destroy();
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

test('http fetch - a backend that does not answer fails with a timeout after [backend] timeout', {
  timeout: 10_000,
}, async () => {
  const backend = await holdingServer();
  const fetcher = new HttpFetcher({
    connectionsPerHost: 2,
    timeoutMs: 300,
    skipVerify: false,
    maxBodyBytes: 1024,
  });
  try {
    const started = Date.now();
    await assert.rejects(
      fetcher.request('POST', backend.url, {}, '{}'),
      (err: unknown) => err instanceof BackendRequestError && err.failure === 'timeout',
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3000, `took ${elapsed} ms`);
  } finally {
    fetcher.close();
    await backend.close();
  }
});

test('http fetch - at most connectionsperhost requests run at once per host', {
  timeout: 10_000,
}, async () => {
  const backend = await holdingServer();
  const fetcher = new HttpFetcher({
    connectionsPerHost: 2,
    timeoutMs: 5_000,
    skipVerify: false,
    maxBodyBytes: 1024,
  });
  try {
    const requests = Array.from({ length: 5 }, () =>
      fetcher.request('GET', backend.url, {}).then((r) => r.status),
    );
    while (backend.held.length < 2) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(backend.held.length, 2);
    // Answering frees the pool for the waiting requests.
    let answered = 0;
    while (answered < 5) {
      const res = backend.held[answered];
      if (res === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      answered += 1;
    }
    assert.deepEqual(await Promise.all(requests), [200, 200, 200, 200, 200]);
    assert.equal(backend.peak(), 2);
  } finally {
    fetcher.close();
    await backend.close();
  }
});

test('http fetch - refused connections and oversized bodies are reported as such', {
  timeout: 10_000,
}, async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('x'.repeat(4096));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const fetcher = new HttpFetcher({
    connectionsPerHost: 2,
    timeoutMs: 2_000,
    skipVerify: false,
    maxBodyBytes: 1024,
  });
  try {
    await assert.rejects(
      fetcher.request('GET', `http://127.0.0.1:${port}/`, {}),
      (err: unknown) => err instanceof BackendRequestError && err.failure === 'invalid_json',
    );
    server.close();
    server.closeAllConnections();
    await once(server, 'close');
    await assert.rejects(
      fetcher.request('GET', `http://127.0.0.1:${port}/`, {}),
      (err: unknown) => err instanceof BackendRequestError && err.failure === 'unreachable',
    );
  } finally {
    fetcher.close();
    if (server.listening) {
      server.closeAllConnections();
      server.close();
    }
  }
});
