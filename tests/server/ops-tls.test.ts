import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect, type PeerCertificate } from 'node:tls';
import { startSignaling } from '@spreed-ts/testkit';
import { WebSocket } from 'ws';
import { selfSignedCertificate, tempDir } from './helpers/ops-env.js';

/** The certificate a new TLS connection to `port` is shown. */
async function peerCertificate(port: number): Promise<PeerCertificate> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  try {
    await once(socket, 'secureConnect');
    return socket.getPeerCertificate();
  } finally {
    socket.destroy();
  }
}

async function waitForCommonName(port: number, cn: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = (await peerCertificate(port)).subject.CN;
    if (current === cn) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`certificate still ${current}, expected ${cn}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('tls - [https] listen serves the API and WebSockets; changed certificate files are picked up', {
  timeout: 30_000,
}, async (t) => {
  const dir = tempDir('spreed-tls-');
  t.after(() => dir.dispose());
  const cert = join(dir.path, 'server.crt');
  const key = join(dir.path, 'server.key');
  selfSignedCertificate(cert, key, 'first');
  selfSignedCertificate(join(dir.path, 'second.crt'), join(dir.path, 'second.key'), 'second');
  await using sig = await startSignaling({
    extraConfig: `[https]\nlisten = 127.0.0.1:0\ncertificate = ${cert}\nkey = ${key}`,
    certificateCheckIntervalMs: 100,
  });
  assert.ok(sig.httpsUrl);
  const port = Number(new URL(sig.httpsUrl).port);
  assert.equal((await peerCertificate(port)).subject.CN, 'first');

  // The plain listener keeps working next to the TLS one.
  assert.equal((await fetch(`${sig.httpUrl}api/v1/welcome`)).status, 200);
  const ws = new WebSocket(`wss://127.0.0.1:${port}/spreed`, { rejectUnauthorized: false });
  t.after(() => ws.terminate());
  const [welcome] = (await once(ws, 'message')) as [Buffer];
  assert.equal((JSON.parse(welcome.toString()) as { type: string }).type, 'welcome');

  // A certificate without its key does not load: the old pair stays in use.
  copyFileSync(join(dir.path, 'second.crt'), cert);
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal((await peerCertificate(port)).subject.CN, 'first');
  copyFileSync(join(dir.path, 'second.key'), key);
  await waitForCommonName(port, 'second');

  // Garbage is refused as well.
  writeFileSync(cert, 'not a certificate');
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal((await peerCertificate(port)).subject.CN, 'second');

  // The WebSocket opened with the first certificate is still served.
  ws.send(JSON.stringify({ id: 'x', type: 'bye' }));
  const [reply] = (await once(ws, 'message')) as [Buffer];
  assert.equal((JSON.parse(reply.toString()) as { type: string }).type, 'error');
  assert.equal(ws.readyState, WebSocket.OPEN);
});

test('tls - a missing or mismatched certificate stops startup', { timeout: 20_000 }, async (t) => {
  const dir = tempDir('spreed-tls-');
  t.after(() => dir.dispose());
  const cert = join(dir.path, 'a.crt');
  const key = join(dir.path, 'a.key');
  selfSignedCertificate(cert, key, 'a');
  selfSignedCertificate(join(dir.path, 'b.crt'), join(dir.path, 'b.key'), 'b');
  await assert.rejects(
    startSignaling({
      extraConfig: `[https]\nlisten = 127.0.0.1:0\ncertificate = ${cert}\nkey = ${join(dir.path, 'b.key')}`,
    }),
  );
  await assert.rejects(
    startSignaling({
      extraConfig: `[https]\nlisten = 127.0.0.1:0\ncertificate = ${join(dir.path, 'nope.crt')}\nkey = ${key}`,
    }),
    /ENOENT/,
  );
});
