import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { EtcdClient, EtcdProxyUrls, EtcdTokenKeys } from '@spreed-ts/server/etcd';
import { startEtcd, waitUntil } from '@spreed-ts/testkit';
import { capturingLogger, FAST_RETRY } from './helpers.js';

function rsaPublicPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
}

async function connect(endpoint: string, logger = capturingLogger()) {
  return EtcdClient.connect(
    { endpoints: [endpoint], discoverySrv: '', discoveryService: '', tls: undefined },
    logger,
  );
}

test('EtcdProxyUrls - added/removed follow the keys, addresses normalised with a trailing /', {
  timeout: 30_000,
}, async () => {
  await using etcd = await startEtcd();
  const prefix = '/signaling/proxy/server';
  await etcd.put(`${prefix}/one`, '{"address":"https://proxy1.example"}');
  await etcd.put(`${prefix}/bad`, '{"addr":"https://nope.example"}');
  const logger = capturingLogger();
  const client = await connect(etcd.endpoint, logger);
  const urls = new EtcdProxyUrls({ client, logger, retry: FAST_RETRY });
  const events: string[] = [];
  urls.on('added', (url) => events.push(`added ${url}`));
  urls.on('removed', (url) => events.push(`removed ${url}`));
  try {
    urls.start();
    await urls.synced();
    assert.deepEqual(urls.urls(), ['https://proxy1.example/']);
    assert.ok(logger.has(/ignoring invalid etcd value .*\/bad.*address missing/));

    await etcd.put(`${prefix}/two`, '{"address":"https://proxy2.example/","extra":1}');
    // A second key with an address already known adds no URL; removing one of them keeps it.
    await etcd.put(`${prefix}/three`, '{"address":"https://proxy2.example"}');
    await etcd.put(`${prefix}/deep`, `{"address":${'['.repeat(50)}${']'.repeat(50)}}`);
    await etcd.put(`${prefix}/four`, '{"address":"https://proxy4.example"}');
    await waitUntil(() => urls.urls().length === 3, 5000, 'three URLs');
    assert.ok(
      logger.has(/ignoring invalid etcd value .*\/deep.*not valid JSON/),
      logger.lines.join('\n'),
    );
    await etcd.delete(`${prefix}/two`);
    // Changing the address of a key moves it.
    await etcd.put(`${prefix}/one`, '{"address":"https://proxy1b.example"}');
    await etcd.delete(`${prefix}/four`);
    await waitUntil(() => events.length === 6, 5000, 'the events');
    assert.deepEqual(events, [
      'added https://proxy1.example/',
      'added https://proxy2.example/',
      'added https://proxy4.example/',
      'added https://proxy1b.example/',
      'removed https://proxy1.example/',
      'removed https://proxy4.example/',
    ]);
    assert.deepEqual(urls.urls().toSorted(), [
      'https://proxy1b.example/',
      'https://proxy2.example/',
    ]);
    await etcd.delete(`${prefix}/three`);
    await waitUntil(() => urls.urls().length === 1, 5000, 'proxy2 removed');
    assert.equal(events.at(-1), 'removed https://proxy2.example/');
  } finally {
    urls.close();
    client.close();
  }
});

test('EtcdTokenKeys - keys by id from keyformat, live puts and deletes, invalid keys ignored', {
  timeout: 30_000,
}, async () => {
  await using etcd = await startEtcd();
  const pem1 = rsaPublicPem();
  const pem2 = rsaPublicPem();
  const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
  await etcd.put('/signaling/proxy/tokens/server1/public-key', pem1);
  await etcd.put('/signaling/proxy/tokens/server-ec/public-key', ecPem);
  await etcd.put('/signaling/proxy/tokens/server-junk/public-key', 'not a key');
  const logger = capturingLogger();
  const client = await connect(etcd.endpoint, logger);
  const keys = new EtcdTokenKeys({ client, logger, retry: FAST_RETRY, ownsClient: true });
  try {
    await keys.synced();
    const key1 = keys.get('server1');
    assert.ok(key1 !== undefined);
    assert.equal(key1.export({ type: 'spki', format: 'pem' }), pem1);
    assert.equal(keys.get('server-ec'), undefined);
    assert.equal(keys.get('server-junk'), undefined);
    assert.equal(keys.get('nobody'), undefined);
    assert.ok(logger.has(/ignoring invalid etcd value .*server-ec.*not an RSA key/));
    assert.ok(logger.has(/ignoring invalid etcd value .*server-junk.*not a PEM public key/));

    await etcd.put('/signaling/proxy/tokens/server2/public-key', pem2);
    await etcd.put('/signaling/proxy/tokens/server1/public-key', pem2);
    await waitUntil(
      () =>
        keys.get('server2') !== undefined &&
        keys.get('server1')?.export({ type: 'spki', format: 'pem' }) === pem2,
      5000,
      'the new and the replaced key',
    );
    await etcd.delete('/signaling/proxy/tokens/server1/public-key');
    await waitUntil(() => keys.get('server1') === undefined, 5000, 'the deleted key gone');
    assert.ok(keys.get('server2') !== undefined);
  } finally {
    keys.close();
  }
  assert.equal(client.closed, true, 'ownsClient: closing the keys closes the client');
});

test('EtcdTokenKeys - several formats: the first one holding a key wins', {
  timeout: 30_000,
}, async () => {
  await using etcd = await startEtcd();
  const pemA = rsaPublicPem();
  const pemB = rsaPublicPem();
  await etcd.put('/keys/a/srv', pemA);
  await etcd.put('/other/srv.pem', pemB);
  await etcd.put('/other/only.pem', pemB);
  const client = await connect(etcd.endpoint);
  const keys = new EtcdTokenKeys({
    client,
    keyFormat: '/keys/a/%s, /other/%s.pem',
    logger: capturingLogger(),
    retry: FAST_RETRY,
  });
  try {
    await keys.synced();
    assert.equal(keys.get('srv')?.export({ type: 'spki', format: 'pem' }), pemA);
    assert.equal(keys.get('only')?.export({ type: 'spki', format: 'pem' }), pemB);
    await etcd.delete('/keys/a/srv');
    await waitUntil(
      () => keys.get('srv')?.export({ type: 'spki', format: 'pem' }) === pemB,
      5000,
      'the fallback format',
    );
  } finally {
    keys.close();
    client.close();
  }
});
