import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conf, load as loadText } from './config-fixtures.js';

function load(...lines: string[]) {
  return loadText(conf(...lines));
}

test('unsupported - options we do not implement are reported when set (etcd ones aside)', () => {
  const { unsupported } = load(
    '[https]',
    'listen = :8443',
    'certificate = /c',
    'key = /k',
    '[backend]',
    'backendtype = etcd',
    'backendprefix = /signaling/backend',
    '[mcu]',
    'type = proxy',
    'url = https://proxy1.invalid https://proxy2.invalid',
    'token_id = server1',
    'token_key = /key.pem',
    'proxytimeout = 2',
    'dnsdiscovery = true',
    'endpoints = 127.0.0.1:2379',
    '[etcd]',
    'endpoints = 127.0.0.1:2379',
    'loglevel = info',
    '[grpc]',
    'listen = 0.0.0.0:9090',
    'targets = 192.168.0.1:9090',
    '[geoip]',
    'license = abc',
    '[geoip-overrides]',
    '127.0.0.1 = DE',
    '[continent-overrides]',
    'AF = EU',
  );
  assert.deepEqual(unsupported.toSorted(), [
    '[etcd] loglevel',
    '[geoip] license',
    '[grpc] listen',
    '[grpc] targets',
  ]);
});

test('config - proxy type with its options, GeoIP and continent overrides', () => {
  const { config, unsupported, warnings } = load(
    '[mcu]',
    'type = proxy',
    'url = https://p1.invalid ws://p2.invalid:9000/base/',
    'token_id = server1',
    'token_key = /key.pem',
    'proxytimeout = 3',
    'dnsdiscovery = true',
    'skipverify = true',
    '[geoip-overrides]',
    '127.0.0.1 = de',
    '10.0.0.0/8 = US',
    'nonsense = DE',
    '[continent-overrides]',
    'AF = EU, xx',
    'ZZ = EU',
  );
  assert.equal(config.mcu.type, 'proxy');
  assert.equal(config.mcu.url, 'https://p1.invalid ws://p2.invalid:9000/base/');
  assert.deepEqual(config.mcu.proxy, {
    timeoutMs: 3_000,
    urlType: 'static',
    skipVerify: true,
    tokenId: 'server1',
    tokenKey: '/key.pem',
    dnsDiscovery: true,
    keyPrefix: '/signaling/proxy/server',
  });
  assert.deepEqual(config.geoip, {
    overrides: [
      { subnet: '127.0.0.1', country: 'DE' },
      { subnet: '10.0.0.0/8', country: 'US' },
    ],
    continentOverrides: { AF: ['EU'] },
  });
  assert.deepEqual(unsupported, []);
  for (const expected of [
    '[mcu] skipverify',
    '[geoip-overrides] nonsense',
    '[continent-overrides] af: unknown continent "xx"',
    '[continent-overrides] zz',
  ]) {
    assert.ok(
      warnings.some((w) => w.startsWith(expected)),
      `${expected} in ${warnings}`,
    );
  }
});

test('config - proxy type needs URLs, a token id and a token key', () => {
  const base = ['[mcu]', 'type = proxy'];
  assert.throws(
    () => load(...base, 'token_id = a', 'token_key = /k'),
    /\[mcu\] url: no proxy URLs/,
  );
  assert.throws(
    () => load(...base, 'url = ftp://x', 'token_id = a', 'token_key = /k'),
    /\[mcu\] url: invalid proxy URL "ftp:\/\/x"/,
  );
  assert.throws(() => load(...base, 'url = http://x', 'token_key = /k'), /\[mcu\] token_id/);
  assert.throws(() => load(...base, 'url = http://x', 'token_id = a'), /\[mcu\] token_key/);
  assert.throws(
    () => load(...base, 'url = http://x', 'token_id = a', 'token_key = /k', 'urltype = dns'),
    /\[mcu\] urltype: unsupported proxy URL type "dns"/,
  );
  // etcd needs the cluster configured; then no [mcu] url is needed and keyprefix is read.
  assert.throws(
    () => load(...base, 'urltype = etcd', 'token_id = a', 'token_key = /k'),
    /\[mcu\] urltype: etcd needs \[etcd\] endpoints/,
  );
  const etcd = load(
    ...base,
    'urltype = etcd',
    'token_id = a',
    'token_key = /k',
    'keyprefix = /my/proxies',
    '[etcd]',
    'endpoints = 127.0.0.1:2379',
  );
  assert.deepEqual(etcd.unsupported, []);
  assert.equal(etcd.config.mcu.proxy.keyPrefix, '/my/proxies');
  // The deprecated place of the etcd options in [mcu] still works, with a warning.
  const compat = load(
    ...base,
    'urltype = etcd',
    'token_id = a',
    'token_key = /k',
    'endpoints = 127.0.0.1:2379',
  );
  assert.deepEqual(compat.config.etcd.endpoints, ['127.0.0.1:2379']);
  assert.equal(compat.config.mcu.proxy.keyPrefix, '/signaling/proxy/server');
  assert.ok(compat.warnings.some((w) => w.includes('[mcu] endpoints: deprecated')));
});

test('unsupported - empty values, disabled GeoIP urls and implemented options are not reported', () => {
  const { unsupported } = load(
    '[http]',
    'listen = 127.0.0.1:8080',
    '[https]',
    'certificate = /c',
    'key = /k',
    '[backend]',
    'backendtype = static',
    'skipverify = true',
    '[mcu]',
    'type = janus',
    'url = ws://127.0.0.1:8188',
    'token_id =',
    'timeout = 5',
    '[grpc]',
    'listen =',
    '[geoip]',
    'url = none',
    '[stats]',
    'allowed_ips = 127.0.0.1',
  );
  assert.deepEqual(unsupported, []);
});

test('unknown options - typos in upstream sections become warnings, other sections are ignored', () => {
  const { warnings } = load(
    '[http]',
    'listen = 127.0.0.1:8080',
    '[mcu]',
    'maxbitrate = 1',
    '[some-unused-backend]',
    'urls = https://x.invalid',
    'whatever = 1',
  );
  assert.ok(!warnings.some((warning) => warning.startsWith('[http] listen')));
  assert.ok(warnings.includes('[mcu] maxbitrate: unknown option, ignored'));
  assert.ok(!warnings.some((warning) => warning.includes('some-unused-backend')));
});
