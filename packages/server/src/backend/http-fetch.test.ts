import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { selfSignedCertificate } from '../testing/certificates.js';
import { BackendRequestError } from './backend-errors.js';
import { HttpFetcher, type HttpFetcherOptions } from './http-fetch.js';

function fetcherWith(options: Partial<HttpFetcherOptions> = {}): HttpFetcher {
  return new HttpFetcher({
    connectionsPerHost: 4,
    timeoutMs: 5_000,
    skipVerify: false,
    maxBodyBytes: 1024,
    ...options,
  });
}

function isFailure(failure: string, message?: RegExp) {
  return (err: unknown) =>
    err instanceof BackendRequestError &&
    err.failure === failure &&
    (message === undefined || message.test(err.message));
}

/**
 * A node:http server counting connections and requests; `handler` gets the request's index on its
 * connection (0 for the first).
 */
async function countingServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, indexOnConnection: number) => void,
  setup: (server: http.Server) => void = () => {},
) {
  let connections = 0;
  let requests = 0;
  const perSocket = new WeakMap<object, number>();
  const server = http.createServer((req, res) => {
    requests += 1;
    const index = perSocket.get(req.socket) ?? 0;
    perSocket.set(req.socket, index + 1);
    handler(req, res, index);
  });
  server.on('connection', () => {
    connections += 1;
  });
  setup(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    connections: () => connections,
    requests: () => requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A TCP server that answers every request head it reads with `respond(socket, index)`. */
async function rawServer(respond: (socket: net.Socket, index: number) => void) {
  const sockets = new Set<net.Socket>();
  let requests = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end = pending.indexOf('\r\n\r\n');
      while (end !== -1) {
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
        if (pending.length < end + 4 + length) {
          return;
        }
        pending = pending.slice(end + 4 + length);
        respond(socket, requests);
        requests += 1;
        end = pending.indexOf('\r\n\r\n');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests: () => requests,
    async close() {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

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

test('http fetch - keep-alive connections are reused, at most connectionsperhost of them', {
  timeout: 10_000,
}, async () => {
  const backend = await countingServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Path': req.url ?? '' });
    res.end('{"ok":true}');
  });
  const fetcher = fetcherWith({ connectionsPerHost: 3 });
  try {
    for (let i = 0; i < 10; i += 1) {
      const response = await fetcher.request('GET', `${backend.url}x?i=${i}`, {});
      assert.equal(response.status, 200);
      assert.equal(response.headers['content-type'], 'application/json');
      assert.equal(response.headers['x-path'], `/x?i=${i}`);
      assert.equal(response.body.toString(), '{"ok":true}');
    }
    assert.equal(backend.connections(), 1);
    const parallel = await Promise.all(
      Array.from({ length: 30 }, () => fetcher.request('POST', backend.url, {}, '{}')),
    );
    assert.deepEqual(new Set(parallel.map((r) => r.status)), new Set([200]));
    assert.ok(backend.connections() <= 3, `${backend.connections()} connections`);
    assert.equal(backend.requests(), 40);
  } finally {
    fetcher.close();
    await backend.close();
  }
});

test('http fetch - request bodies, chunked and close-delimited responses', {
  timeout: 10_000,
}, async () => {
  const backend = await countingServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // No Content-Length: node sends the body chunked.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write(`${req.method} `);
      res.write(`${req.headers['content-length']} `);
      setImmediate(() => res.end(Buffer.concat(chunks)));
    });
  });
  const closing = await rawServer((socket) => {
    socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
  });
  const fetcher = fetcherWith();
  try {
    const chunked = await fetcher.request('POST', backend.url, {}, '{"grüße":1}');
    assert.equal(chunked.headers['transfer-encoding'], 'chunked');
    assert.equal(chunked.body.toString(), 'POST 13 {"grüße":1}');
    for (let i = 0; i < 3; i += 1) {
      const delimited = await fetcher.request('GET', closing.url, {});
      assert.equal(delimited.body.toString(), 'until the end');
    }
    assert.equal(closing.requests(), 3);
  } finally {
    fetcher.close();
    await backend.close();
    await closing.close();
  }
});

test('http fetch - a server that closes idle connections: the next request still succeeds', {
  timeout: 10_000,
}, async () => {
  // Closes each connection shortly after answering, without a Keep-Alive hint.
  const backend = await countingServer(
    (req, res) => {
      res.on('finish', () => setTimeout(() => req.socket.destroy(), 20));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    },
    (server) => {
      server.keepAliveTimeout = 0;
    },
  );
  const fetcher = fetcherWith();
  try {
    for (let i = 0; i < 3; i += 1) {
      assert.equal((await fetcher.request('GET', backend.url, {})).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(backend.connections(), 3);
  } finally {
    fetcher.close();
    await backend.close();
  }
});

test('http fetch - a reused connection closed before the response is retried once on a new one', {
  timeout: 10_000,
}, async () => {
  // The race with a server closing an idle connection just as the request arrives.
  const backend = await countingServer((req, res, index) => {
    if (index > 0) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  const fetcher = fetcherWith();
  try {
    assert.equal((await fetcher.request('GET', backend.url, {})).status, 200);
    assert.equal((await fetcher.request('POST', backend.url, {}, '{}')).status, 200);
    assert.equal(backend.connections(), 2);
    assert.equal(backend.requests(), 3);
  } finally {
    fetcher.close();
    await backend.close();
  }
});

test('http fetch - no retry once response bytes arrived, and only one retry', {
  timeout: 10_000,
}, async () => {
  const partial = await countingServer((req, res, index) => {
    if (index > 0) {
      req.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
      return;
    }
    res.writeHead(200).end('{}');
  });
  let first = true;
  const hostile = await countingServer((req, res) => {
    if (!first) {
      req.socket.destroy();
      return;
    }
    first = false;
    res.writeHead(200).end('{}');
  });
  const fetcher = fetcherWith();
  try {
    await fetcher.request('GET', partial.url, {});
    await assert.rejects(
      fetcher.request('GET', partial.url, {}),
      isFailure('unreachable', /closed before the response was complete/),
    );
    assert.equal(partial.requests(), 2);

    await fetcher.request('GET', hostile.url, {});
    await assert.rejects(fetcher.request('GET', hostile.url, {}), isFailure('unreachable'));
    assert.equal(hostile.requests(), 3);
    assert.equal(hostile.connections(), 2);
  } finally {
    fetcher.close();
    await partial.close();
    await hostile.close();
  }
});

test('http fetch - Connection: close, HTTP/1.0 and a short Keep-Alive timeout end reuse', {
  timeout: 10_000,
}, async () => {
  const closing = await countingServer((_req, res) => {
    res.writeHead(200, { Connection: 'close' }).end('{}');
  });
  // node:http announces `Keep-Alive: timeout=1`: too short to keep with a second of margin.
  const shortKeepAlive = await countingServer(
    (_req, res) => {
      res.writeHead(200).end('{}');
    },
    (server) => {
      server.keepAliveTimeout = 1_000;
    },
  );
  const old = await rawServer((socket) => {
    socket.write('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok');
  });
  const fetcher = fetcherWith();
  try {
    for (const server of [closing, shortKeepAlive]) {
      await fetcher.request('GET', server.url, {});
      await fetcher.request('GET', server.url, {});
      assert.equal(server.connections(), 2);
    }
    assert.equal((await fetcher.request('GET', old.url, {})).body.toString(), 'ok');
    assert.equal((await fetcher.request('GET', old.url, {})).body.toString(), 'ok');
  } finally {
    fetcher.close();
    await closing.close();
    await shortKeepAlive.close();
    await old.close();
  }
});

test('http fetch - an oversized body fails the request, not the pool', {
  timeout: 10_000,
}, async () => {
  const backend = await countingServer((req, res) => {
    const big = req.url === '/big';
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (big && req.headers['x-chunked'] === '1') {
      res.write('x'.repeat(800));
      res.end('x'.repeat(800));
      return;
    }
    res.end(big ? 'x'.repeat(4096) : '{}');
  });
  const fetcher = fetcherWith({ connectionsPerHost: 1 });
  try {
    await assert.rejects(
      fetcher.request('GET', `${backend.url}big`, {}),
      isFailure('invalid_json', /too large/),
    );
    await assert.rejects(
      fetcher.request('GET', `${backend.url}big`, { 'X-Chunked': '1' }),
      isFailure('invalid_json', /too large/),
    );
    assert.equal((await fetcher.request('GET', `${backend.url}small`, {})).status, 200);
  } finally {
    fetcher.close();
    await backend.close();
  }
});

test('http fetch - malformed responses are errors with a clear message', {
  timeout: 10_000,
}, async () => {
  const responses = [
    ['HTTP/1.1 two hundred\r\n\r\n', /malformed HTTP response .*status line/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /malformed .*chunk size/],
    [`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`, /malformed .*headers larger/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok', /conflicting/],
  ] as const;
  const backend = await rawServer((socket, index) => {
    socket.write(responses[index]?.[0] ?? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const fetcher = fetcherWith({ connectionsPerHost: 1 });
  try {
    for (const [, message] of responses) {
      await assert.rejects(
        fetcher.request('GET', backend.url, {}),
        isFailure('unreachable', message),
      );
    }
    assert.equal((await fetcher.request('GET', backend.url, {})).body.toString(), 'ok');
  } finally {
    fetcher.close();
    await backend.close();
  }
});

test('http fetch - invalid header values are refused before anything is sent', async () => {
  const backend = await countingServer((_req, res) => {
    res.end('{}');
  });
  const fetcher = fetcherWith();
  try {
    await assert.rejects(
      fetcher.request('GET', backend.url, { 'X-Evil': 'a\r\nHost: elsewhere' }),
      (err: unknown) => err instanceof TypeError && /X-Evil/.test(err.message),
    );
    await assert.rejects(fetcher.request('GET', 'gopher://127.0.0.1/', {}), TypeError);
    assert.equal(backend.connections(), 0);
  } finally {
    fetcher.close();
    await backend.close();
  }
});

test('http fetch - close() fails requests in flight and waiting', { timeout: 10_000 }, async () => {
  const backend = await countingServer(() => {
    // Never answers.
  });
  const fetcher = fetcherWith({ connectionsPerHost: 1 });
  try {
    const requests = Array.from({ length: 3 }, () => fetcher.request('GET', backend.url, {}));
    while (backend.requests() < 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    fetcher.close();
    for (const request of requests) {
      await assert.rejects(request, isFailure('unreachable', /closed/));
    }
  } finally {
    fetcher.close();
    await backend.close();
  }
});

test('http fetch - idle connections do not keep the process alive', {
  timeout: 20_000,
}, async () => {
  const backend = await countingServer((_req, res) => {
    res.writeHead(200).end('{}');
  });
  try {
    const module = new URL('./http-fetch.js', import.meta.url).href;
    const script = `
      const { HttpFetcher } = await import(${JSON.stringify(module)});
      const fetcher = new HttpFetcher({ connectionsPerHost: 2, timeoutMs: 5000, skipVerify: false, maxBodyBytes: 1024 });
      const response = await fetcher.request('GET', ${JSON.stringify(backend.url)}, {});
      console.log(response.status);
    `;
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { timeout: 15_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      );
    });
    assert.equal(output.trim(), '200');
    assert.equal(backend.connections(), 1);
  } finally {
    await backend.close();
  }
});

test('http fetch - https with a self-signed certificate needs skipverify', {
  timeout: 20_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'http-fetch-tls-'));
  const servernames: unknown[] = [];
  let server: https.Server | undefined;
  const strict = fetcherWith({ skipVerify: false });
  const lax = fetcherWith({ skipVerify: true });
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    selfSignedCertificate(cert, key, '127.0.0.1');
    server = https.createServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      (req, res) => {
        servernames.push((req.socket as TLSSocket).servername);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"tls":true}');
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await assert.rejects(strict.request('GET', url, {}), isFailure('unreachable', /certificate/));
    for (let i = 0; i < 3; i += 1) {
      const response = await lax.request('POST', url, {}, '{}');
      assert.equal(response.body.toString(), '{"tls":true}');
    }
    // No SNI for an IP address.
    assert.deepEqual(servernames, [false, false, false]);
  } finally {
    strict.close();
    lax.close();
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('http fetch - waiting for a free connection counts against the timeout', {
  timeout: 10_000,
}, async () => {
  const backend = await holdingServer();
  const fetcher = fetcherWith({ connectionsPerHost: 1, timeoutMs: 300 });
  try {
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, () => fetcher.request('GET', backend.url, {})),
    );
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(isFailure('timeout')(result.status === 'rejected' ? result.reason : undefined));
    }
    assert.equal(backend.held.length, 1);
  } finally {
    fetcher.close();
    await backend.close();
  }
});
