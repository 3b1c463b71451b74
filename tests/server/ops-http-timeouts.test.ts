import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { calculateChecksum } from '@spreed-ts/protocol';
import { type SignalingFixture, startSignaling, waitUntil } from '@spreed-ts/testkit';
import { selfSignedCertificate, tempDir } from './helpers/ops-env.js';
import { type RawConnection, rawConnect } from './helpers/raw-http.js';

const backendUrl = 'http://127.0.0.1:1/nextcloud/';
const secret = 'backend-secret';

/**
 * A timeout of 1 s must close the connection after it: not before 0.8 s (the timers are not
 * early), not after 5 s (generous for a loaded machine; Node's defaults keep such sockets for
 * 60 s and more).
 */
function assertClosedAfterOneSecond(ms: number | undefined, what: string): void {
  assert.ok(ms !== undefined, `${what}: still open after 5 s`);
  assert.ok(ms >= 800 && ms <= 5000, `${what}: closed after ${Math.round(ms)} ms`);
}

/** What `promise` resolves with, or undefined when it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Says hello on a new WebSocket, stays quiet for `quietMs`, then checks that the session is still
 * open and answers a ping.
 */
async function sessionOutlives(sig: SignalingFixture, quietMs: number): Promise<void> {
  const client = await sig.connect();
  try {
    client.send(sig.internalHello(backendUrl));
    await client.next('hello');
    await sleep(quietMs);
    assert.equal(client.isClosed, false, 'the WebSocket session was closed');
    client.socket.ping('still there');
    const pong = await within(
      new Promise<string>((resolve) => client.socket.once('pong', (data) => resolve(String(data)))),
      5000,
    );
    assert.equal(pong, 'still there');
  } finally {
    await client.close();
  }
}

/** The request head of a WebSocket upgrade to /spreed, without the final empty line. */
const upgradeHead =
  'GET /spreed HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

test('http timeouts - readtimeout closes slow requests (headers, body, nothing at all), not a WebSocket session', {
  timeout: 20_000,
}, async () => {
  await using sig = await startSignaling({
    backends: [{ url: backendUrl, secret }],
    // The write timeout is longer: only the read timeout can close the connections in time.
    extraConfig: '[http]\nreadtimeout = 1\nwritetimeout = 10\n',
  });
  const port = sig.server.ports[0] ?? 0;
  const open: RawConnection[] = [];
  const connect = async () => {
    const connection = await rawConnect(port);
    open.push(connection);
    return connection;
  };
  try {
    // (a) the headers of a WebSocket upgrade, one byte every 200 ms
    const slowUpgrade = await connect();
    slowUpgrade.socket.write(`${upgradeHead}X-Slow: `);
    slowUpgrade.drip('abcdef', 200);
    // (b) the headers of a backend request
    const slowBackend = await connect();
    slowBackend.socket.write(
      'POST /api/v1/room/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: ',
    );
    slowBackend.drip('abcdef', 200);
    // (c) a complete backend request head, then its body one byte every 200 ms
    const body = JSON.stringify({ type: 'message', message: { data: { pad: 'x'.repeat(100) } } });
    const random = 'r'.repeat(64);
    const slowBody = await connect();
    slowBody.socket.write(
      'POST /api/v1/room/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${body.length}\r\nSpreed-Signaling-Random: ${random}\r\n` +
        `Spreed-Signaling-Checksum: ${calculateChecksum(random, body, secret)}\r\n` +
        `Spreed-Signaling-Backend: ${backendUrl}\r\n\r\n`,
    );
    slowBody.drip(body, 200);
    // (d) nothing at all
    const silent = await connect();
    // …while a WebSocket session says hello and then stays quiet beyond the read timeout.
    const session = sessionOutlives(sig, 3000);

    const [upgradeMs, backendMs, bodyMs, silentMs] = await Promise.all(
      [slowUpgrade, slowBackend, slowBody, silent].map((c) => c.closedWithin(5000)),
    );
    assertClosedAfterOneSecond(upgradeMs, 'upgrade headers');
    assertClosedAfterOneSecond(backendMs, 'backend request headers');
    assertClosedAfterOneSecond(bodyMs, 'backend request body');
    assertClosedAfterOneSecond(silentMs, 'silent connection');
    // Dripping went on until the close: they were closed while still sending.
    assert.ok(!slowBody.received.includes('200 OK'), slowBody.received);

    await session;
  } finally {
    for (const connection of open) {
      connection.destroy();
    }
  }
});

test('http timeouts - an idle keep-alive connection is closed after readtimeout', {
  timeout: 15_000,
}, async () => {
  await using sig = await startSignaling({ extraConfig: '[http]\nreadtimeout = 1\n' });
  const connection = await rawConnect(sig.server.ports[0] ?? 0);
  try {
    const request = 'GET /api/v1/welcome HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    connection.socket.write(request);
    await connection.receivedText('Welcome', 5000);
    // Still usable for a second request within the idle timeout.
    await sleep(300);
    connection.socket.write(request);
    await waitUntil(() => connection.received.split('Welcome').length === 3, 5000, 'answer 2');
    const answeredAt = performance.now();
    const closed = await connection.closedWithin(6000);
    assertClosedAfterOneSecond(
      closed === undefined ? undefined : performance.now() - answeredAt,
      'idle connection',
    );
  } finally {
    connection.destroy();
  }
});

test('http timeouts - writetimeout closes a request whose response is not written in time, not a WebSocket session', {
  timeout: 15_000,
}, async () => {
  let calls = 0;
  await using sig = await startSignaling({
    backends: [{ url: backendUrl, secret }],
    // The read timeout is longer: only the write timeout can close the connection in time.
    extraConfig: '[http]\nreadtimeout = 10\nwritetimeout = 1\n',
    setup: (server) => {
      server.setBackendApiProcessor({
        process: () => {
          calls += 1;
          return new Promise(() => undefined);
        },
      });
      return undefined;
    },
  });
  const session = sessionOutlives(sig, 2500);
  const connection = await rawConnect(sig.server.ports[0] ?? 0);
  try {
    const body = JSON.stringify({ type: 'message', message: { data: {} } });
    const random = 'r'.repeat(64);
    connection.socket.write(
      'POST /api/v1/room/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${body.length}\r\nSpreed-Signaling-Random: ${random}\r\n` +
        `Spreed-Signaling-Checksum: ${calculateChecksum(random, body, secret)}\r\n` +
        `Spreed-Signaling-Backend: ${backendUrl}\r\n\r\n${body}`,
    );
    assertClosedAfterOneSecond(await connection.closedWithin(5000), 'unanswered request');
    assert.equal(calls, 1);
    assert.equal(connection.received, '');
    // The write timeout does not apply to WebSocket sessions either.
    await session;
  } finally {
    connection.destroy();
  }
});

test('http timeouts - [https] readtimeout bounds the TLS handshake and the request over TLS', {
  timeout: 20_000,
}, async (t) => {
  const dir = tempDir('spreed-timeouts-');
  t.after(() => dir.dispose());
  const cert = join(dir.path, 'server.crt');
  const key = join(dir.path, 'server.key');
  selfSignedCertificate(cert, key, 'timeouts');
  await using sig = await startSignaling({
    extraConfig:
      `[https]\nlisten = 127.0.0.1:0\ncertificate = ${cert}\nkey = ${key}\n` +
      'readtimeout = 1\nwritetimeout = 10\n',
  });
  const port = sig.server.tlsPorts[0] ?? 0;
  // A TCP connection that never starts the TLS handshake.
  const silent = await rawConnect(port);
  // A TLS connection whose request headers drip in.
  const slow = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  slow.on('error', () => undefined);
  let drip: NodeJS.Timeout | undefined;
  try {
    await once(slow, 'secureConnect');
    const start = performance.now();
    const slowClosed = new Promise<number>((resolve) =>
      slow.once('close', () => resolve(performance.now() - start)),
    );
    slow.write(`${upgradeHead}X-Slow: `);
    drip = setInterval(() => slow.writable && slow.write('a'), 200);
    const [silentMs, slowMs] = await Promise.all([
      silent.closedWithin(5000),
      within(slowClosed, 5000),
    ]);
    assertClosedAfterOneSecond(silentMs, 'no TLS handshake');
    assertClosedAfterOneSecond(slowMs, 'upgrade headers over TLS');
  } finally {
    clearInterval(drip);
    silent.destroy();
    slow.destroy();
  }
});
