import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EtcdClient, EtcdProxyUrls } from '@spreed-ts/server/etcd';
import { selfSignedCertificate } from '@spreed-ts/server/testing';
import { startEtcd } from '@spreed-ts/testkit';
import { capturingLogger, FAST_RETRY } from './helpers.js';

test('etcd TLS - clientkey/clientcert/cacert: a client certificate etcd requires', {
  timeout: 30_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, 'etcd.crt');
  const key = join(dir, 'etcd.key');
  // One self-signed certificate as CA, server and client certificate.
  selfSignedCertificate(cert, key, 'etcd');
  await using etcd = await startEtcd({ tls: { cert, key, ca: cert } });
  assert.match(etcd.endpoint, /^https:/);
  await etcd.put('/signaling/proxy/server/one', '{"address":"https://proxy.example"}');

  const logger = capturingLogger();
  const endpoint = `127.0.0.1:${etcd.clientPort}`;
  const client = await EtcdClient.connect(
    {
      endpoints: [endpoint],
      discoverySrv: '',
      discoveryService: '',
      tls: { clientKey: key, clientCert: cert, caCert: cert },
    },
    logger,
  );
  assert.deepEqual(client.endpoints, [`https://${endpoint}`]);
  const urls = new EtcdProxyUrls({ client, logger, retry: FAST_RETRY });
  try {
    urls.start();
    await urls.synced();
    assert.deepEqual(urls.urls(), ['https://proxy.example/']);
  } finally {
    urls.close();
    client.close();
  }

  // Without TLS the same endpoint cannot be read.
  const plain = await EtcdClient.connect(
    { endpoints: [endpoint], discoverySrv: '', discoveryService: '', tls: undefined },
    logger,
  );
  try {
    await assert.rejects(plain.rangePrefix('/signaling/'));
  } finally {
    plain.close();
  }

  // A TLS file that cannot be read stops the client from being created, naming the problem.
  await assert.rejects(
    EtcdClient.connect(
      {
        endpoints: [endpoint],
        discoverySrv: '',
        discoveryService: '',
        tls: { clientKey: join(dir, 'missing.key'), clientCert: cert, caCert: cert },
      },
      logger,
    ),
    /could not set up the etcd TLS configuration: .*missing\.key/,
  );
});
