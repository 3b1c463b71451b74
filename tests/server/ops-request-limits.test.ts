import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSignaling } from '@spreed-ts/testkit';
import { rawConnect } from './helpers/raw-http.js';

const backendUrl = 'http://127.0.0.1:1/nextcloud/';

/** The request-head limit: the bytes of the URL and of all header names and values. */
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * A request head whose URL, header names and values add up to `counted` bytes, the rest being a
 * cookie (as a browser's upgrade to /spreed carries Nextcloud's cookies).
 */
function requestHead(url: string, headers: Record<string, string>, counted: number): string {
  const all = { Host: '127.0.0.1', ...headers };
  let used = url.length + 'Cookie'.length;
  for (const [name, value] of Object.entries(all)) {
    used += name.length + value.length;
  }
  const cookie = `nc_session=${'c'.repeat(counted - used - 'nc_session='.length)}`;
  const lines = Object.entries({ ...all, Cookie: cookie }).map(([n, v]) => `${n}: ${v}\r\n`);
  return `GET ${url} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

/** Sends `head` on a new connection; returns the status line of the answer. */
async function statusLine(port: number, head: string): Promise<string> {
  const connection = await rawConnect(port);
  try {
    connection.socket.write(head);
    await connection.receivedText('\r\n', 5000);
    return connection.received.split('\r\n')[0] ?? '';
  } finally {
    connection.destroy();
  }
}

test('request limits - headers up to 64 KiB are accepted, larger ones get 431 (also on /spreed)', {
  timeout: 15_000,
}, async () => {
  await using sig = await startSignaling();
  const port = sig.server.ports[0] ?? 0;
  const upgrade = {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
  };
  const cases: Array<[string, Record<string, string>, number, string]> = [
    ['/api/v1/welcome', {}, MAX_HEADER_BYTES - 64, 'HTTP/1.1 200 OK'],
    ['/api/v1/welcome', {}, MAX_HEADER_BYTES + 64, 'HTTP/1.1 431 Request Header Fields Too Large'],
    ['/spreed', upgrade, MAX_HEADER_BYTES - 64, 'HTTP/1.1 101 Switching Protocols'],
    ['/spreed', upgrade, MAX_HEADER_BYTES + 64, 'HTTP/1.1 431 Request Header Fields Too Large'],
  ];
  for (const [url, headers, counted, expected] of cases) {
    const head = requestHead(url, headers, counted);
    assert.equal(await statusLine(port, head), expected, `${url} with ${head.length} bytes`);
  }
});

test('request limits - a 50 KB hello in one-byte fragments is accepted', {
  timeout: 30_000,
}, async () => {
  await using sig = await startSignaling({ backends: [{ url: backendUrl, secret: 'b' }] });
  const client = await sig.connect();
  const features = Array.from({ length: 3200 }, (_, i) => `padding-${String(i).padStart(5, '0')}`);
  const hello = sig.internalHello(backendUrl, features);
  const text = Buffer.from(JSON.stringify({ id: 'fragmented', ...hello }));
  assert.ok(text.length > 50_000 && text.length < 64 * 1024, `${text.length} bytes`);
  for (let i = 0; i < text.length; i++) {
    client.socket.send(text.subarray(i, i + 1), { binary: false, fin: i === text.length - 1 });
  }
  const reply = await client.next((f) => f.id === 'fragmented');
  assert.equal(reply.type, 'hello', JSON.stringify(reply).slice(0, 300));
  assert.equal(client.isClosed, false);
  await client.close();
});
