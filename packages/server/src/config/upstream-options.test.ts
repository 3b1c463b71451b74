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
    '[continent-overrides] af',
    '[etcd] loglevel',
    '[geoip-overrides] 127.0.0.1',
    '[geoip] license',
    '[grpc] listen',
    '[grpc] targets',
    '[mcu] dnsdiscovery',
    '[mcu] proxytimeout',
    '[mcu] token_id',
    '[mcu] token_key',
    '[mcu] type = proxy',
  ]);
});

test('unsupported - proxy type is still returned in the config', () => {
  const { config } = load('[mcu]', 'type = proxy', 'url = https://p1.invalid https://p2.invalid');
  assert.equal(config.mcu.type, 'proxy');
  assert.equal(config.mcu.url, 'https://p1.invalid https://p2.invalid');
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
