import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NatsClient, NatsServerError } from '@spreed-ts/server';
import { selfSignedCertificate } from '@spreed-ts/server/testing';
import { startNats } from '@spreed-ts/testkit';

/** Publishes on a fresh subject and waits until the client hears it (echo is on). */
async function roundTrip(client: NatsClient): Promise<string> {
  const heard = new Promise<string>((resolve) => {
    client.subscribe('check', (data) => resolve(data.toString()));
  });
  client.publish('check', Buffer.from('heard'));
  return heard;
}

test('nats client - user and password from the URL', { timeout: 20_000 }, async () => {
  await using nats = await startNats({
    config: 'authorization { user: alice, password: "s3cr3t!" }\n',
  });
  const withAuth = nats.url.replace('nats://', 'nats://alice:s3cr3t%21@');
  const client = await NatsClient.connect({ servers: [withAuth] });
  try {
    assert.equal(client.connectedUrl, nats.url, 'no credentials in the connected URL');
    assert.equal(client.info?.auth_required, true);
    assert.equal(await roundTrip(client), 'heard');
  } finally {
    await client.close();
  }
  await assert.rejects(
    NatsClient.connect({ servers: [nats.url.replace('nats://', 'nats://alice:wrong@')] }),
    (err: Error) => err instanceof NatsServerError && /Authorization Violation/i.test(err.message),
  );
  await assert.rejects(NatsClient.connect({ servers: [nats.url] }), /Authorization Violation/i);
});

test('nats client - a token from the URL', { timeout: 20_000 }, async () => {
  await using nats = await startNats({ config: 'authorization { token: "t0k3n" }\n' });
  const client = await NatsClient.connect({
    servers: [nats.url.replace('nats://', 'nats://t0k3n@')],
  });
  try {
    assert.equal(await roundTrip(client), 'heard');
  } finally {
    await client.close();
  }
  await assert.rejects(
    NatsClient.connect({ servers: [nats.url.replace('nats://', 'nats://other@')] }),
    /Authorization Violation/i,
  );
});

test('nats client - TLS with a self-signed certificate, for tls:// and when the server requires it', {
  timeout: 20_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nats-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  selfSignedCertificate(cert, key, '127.0.0.1');
  await using nats = await startNats({
    config: `tls { cert_file: "${cert}", key_file: "${key}" }\n`,
  });
  const ca = readFileSync(cert);
  const tlsUrl = nats.url.replace('nats://', 'tls://');
  for (const url of [tlsUrl, nats.url]) {
    const client = await NatsClient.connect({ servers: [url], tls: { ca } });
    try {
      assert.equal(client.info?.tls_required, true);
      assert.equal(client.connectedUrl, tlsUrl);
      assert.equal(await roundTrip(client), 'heard');
    } finally {
      await client.close();
    }
  }
  // Without trusting the certificate, the handshake fails.
  await assert.rejects(NatsClient.connect({ servers: [tlsUrl] }), /self[- ]signed/i);
});

test('nats client - a tls:// URL to a server without TLS fails', { timeout: 20_000 }, async () => {
  await using nats = await startNats();
  await assert.rejects(
    NatsClient.connect({ servers: [nats.url.replace('nats://', 'tls://')] }),
    /does not offer TLS/,
  );
});
