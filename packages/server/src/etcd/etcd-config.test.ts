import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertConfigError, conf, load } from '../config/config-fixtures.js';
import { endpointUrl } from './etcd-config.js';
import { discoverEtcdEndpoints } from './srv-discovery.js';

test('etcd config - [etcd] endpoints, TLS only with all three files, loglevel validated', () => {
  const { config, unsupported, warnings } = load(
    conf(
      '[etcd]',
      'endpoints = 127.0.0.1:2379, https://etcd.example:2379 ,',
      'clientkey = /k',
      'clientcert = /c',
      'cacert = /ca',
      'loglevel = WARN',
      'discoverysrv = example.com',
    ),
  );
  assert.deepEqual(config.etcd, {
    endpoints: ['127.0.0.1:2379', 'https://etcd.example:2379'],
    discoverySrv: '',
    discoveryService: '',
    tls: { clientKey: '/k', clientCert: '/c', caCert: '/ca' },
  });
  assert.deepEqual(unsupported, ['[etcd] loglevel']);
  assert.ok(!warnings.some((w) => w.includes('etcd')), String(warnings));
  const partial = load(conf('[etcd]', 'endpoints = 127.0.0.1:2379', 'clientkey = /k'));
  assert.equal(partial.config.etcd.tls, undefined);
  assert.ok(partial.warnings.some((w) => w.includes('TLS needs all three')));
  assertConfigError(conf('[etcd]', 'loglevel = loud'), 'etcd', 'loglevel', 'loud');
});

test('etcd config - invalid endpoints stop startup naming the value', () => {
  for (const bad of ['127.0.0.1', 'ftp://h:1', 'http://h:1/path', 'h:port', 'http://u:p@h:1']) {
    assertConfigError(conf('[etcd]', `endpoints = ${bad}`), 'etcd', 'endpoints', bad);
  }
  assertConfigError(conf('[mcu]', 'endpoints = nope'), 'mcu', 'endpoints', 'nope');
});

test('etcd config - the deprecated [mcu] place is read with a warning; [etcd] wins', () => {
  const old = load(conf('[mcu]', 'discoverysrv = example.com', 'discoveryservice = foo'));
  assert.equal(old.config.etcd.discoverySrv, 'example.com');
  assert.equal(old.config.etcd.discoveryService, 'foo');
  assert.ok(
    old.warnings.includes('[mcu] discoverysrv: deprecated place of an etcd option, use [etcd]'),
  );
  const both = load(conf('[mcu]', 'endpoints = old:1', '[etcd]', 'endpoints = new:2'));
  assert.deepEqual(both.config.etcd.endpoints, ['new:2']);
  assert.ok(!both.warnings.some((w) => w.includes('deprecated place')));
  assert.deepEqual(both.unsupported, []);
});

test('etcd config - backendtype = etcd needs etcd; backendprefix defaults; static lists ignored', () => {
  assertConfigError(conf('[backend]', 'backendtype = etcd'), 'backend', 'backendtype', 'etcd');
  assertConfigError(conf('[backend]', 'backendtype = consul'), 'backend', 'backendtype', 'consul');
  const { config, warnings, unsupported } = load(
    conf(
      '[backend]',
      'backendtype = etcd',
      'allowall = true',
      'backends = one',
      '[etcd]',
      'endpoints = 127.0.0.1:2379',
    ),
  );
  assert.deepEqual(config.backend.etcd, { prefix: '/signaling/backend' });
  assert.equal(config.backend.allowAll, false);
  assert.deepEqual(config.backend.backends, []);
  assert.ok(warnings.includes('[backend] allowall: ignored because backendtype is etcd'));
  assert.ok(warnings.includes('[backend] backends: ignored because backendtype is etcd'));
  assert.deepEqual(unsupported, []);
  const custom = load(
    conf(
      '[backend]',
      'backendtype = etcd',
      'backendprefix = /my/backends',
      '[mcu]',
      'endpoints = 127.0.0.1:2379',
    ),
  );
  assert.deepEqual(custom.config.backend.etcd, { prefix: '/my/backends' });
  assert.equal(load(conf('[backend]', 'backendtype = static')).config.backend.etcd, undefined);
});

test('etcd config - endpoint URLs get a scheme (https with TLS) and an explicit port', () => {
  assert.equal(endpointUrl('127.0.0.1:2379', false), 'http://127.0.0.1:2379');
  assert.equal(endpointUrl('127.0.0.1:2379', true), 'https://127.0.0.1:2379');
  assert.equal(endpointUrl('http://etcd:80', true), 'http://etcd:80');
  assert.equal(endpointUrl('[::1]:2379', false), 'http://[::1]:2379');
  assert.equal(endpointUrl('etcd', false), undefined);
});

test('etcd SRV discovery - _etcd-client-ssl and _etcd-client records, service suffix', async () => {
  const asked: string[] = [];
  const endpoints = await discoverEtcdEndpoints('example.com', 'foo', async (name) => {
    asked.push(name);
    if (name.startsWith('_etcd-client-ssl')) {
      return [{ name: 'e1.example.com.', port: 2379, priority: 0, weight: 0 }];
    }
    return [{ name: 'e2.example.com', port: 2380, priority: 0, weight: 0 }];
  });
  assert.deepEqual(asked, [
    '_etcd-client-ssl-foo._tcp.example.com',
    '_etcd-client-foo._tcp.example.com',
  ]);
  assert.deepEqual(endpoints, ['https://e1.example.com:2379', 'http://e2.example.com:2380']);
  // One of the two lookups may fail; both failing is an error naming the domain.
  const half = await discoverEtcdEndpoints('example.com', '', async (name) => {
    if (name.startsWith('_etcd-client-ssl')) {
      throw new Error('ENOTFOUND');
    }
    return [{ name: 'e2.example.com', port: 2379, priority: 0, weight: 0 }];
  });
  assert.deepEqual(half, ['http://e2.example.com:2379']);
  await assert.rejects(
    discoverEtcdEndpoints('example.com', '', async () => {
      throw new Error('ENOTFOUND');
    }),
    /could not discover etcd endpoints for example\.com/,
  );
});
