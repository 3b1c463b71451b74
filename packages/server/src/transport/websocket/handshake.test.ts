import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { acceptKey, acceptResponse, checkUpgrade, rejectResponse } from './handshake.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function request(headers: Record<string, string>, method = 'GET'): IncomingMessage {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, headers: lower } as unknown as IncomingMessage;
}

const GOOD = {
  Upgrade: 'websocket',
  Connection: 'Upgrade',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': KEY,
};

// RFC 6455 sections 1.2 and 1.3.
test('handshake - the accept value of the RFC 6455 example key', () => {
  assert.equal(acceptKey(KEY), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.equal(
    acceptResponse(KEY, 'Server: x\r\n'),
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nServer: x\r\n\r\n',
  );
});

test('handshake - valid requests, with tokens in any case and in lists', () => {
  assert.equal(checkUpgrade(request(GOOD)), KEY);
  assert.equal(
    checkUpgrade(request({ ...GOOD, Upgrade: 'WebSocket', Connection: 'keep-alive, Upgrade' })),
    KEY,
  );
  // Extensions and subprotocols offered are ignored (not negotiated).
  assert.equal(
    checkUpgrade(
      request({
        ...GOOD,
        'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
        'Sec-WebSocket-Protocol': 'chat',
      }),
    ),
    KEY,
  );
});

test('handshake - refused requests', () => {
  const status = (req: IncomingMessage) => {
    const result = checkUpgrade(req);
    return typeof result === 'string' ? 101 : result.status;
  };
  assert.equal(status(request(GOOD, 'POST')), 405);
  assert.equal(status(request({ ...GOOD, Upgrade: 'h2c' })), 400);
  assert.equal(status(request({ ...GOOD, Connection: 'keep-alive' })), 400);
  assert.equal(status(request({ ...GOOD, 'Sec-WebSocket-Version': '8' })), 426);
  const { 'Sec-WebSocket-Version': _, ...noVersion } = GOOD;
  assert.equal(status(request(noVersion)), 426);
  for (const key of ['', 'abc', 'dGhlIHNhbXBsZSBub25jZQ', 'dGhlIHNhbXBsZSBub25jZQ=', `${KEY}==`]) {
    assert.equal(status(request({ ...GOOD, 'Sec-WebSocket-Key': key })), 400, key);
  }
  const { 'Sec-WebSocket-Key': __, ...noKey } = GOOD;
  assert.equal(status(request(noKey)), 400);
});

test('handshake - a version mismatch names the supported version', () => {
  const rejection = checkUpgrade(request({ ...GOOD, 'Sec-WebSocket-Version': '12' }));
  assert.notEqual(typeof rejection, 'string');
  const text = rejectResponse(rejection as Exclude<typeof rejection, string>);
  assert.match(text, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
  assert.match(text, /\r\nSec-WebSocket-Version: 13\r\n/);
  assert.match(text, /\r\nConnection: close\r\n/);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  assert.match(text, new RegExp(`\\r\\nContent-Length: ${Buffer.byteLength(body)}\\r\\n`));
});
