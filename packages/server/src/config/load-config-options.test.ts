import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertConfigError, conf, load } from './config-fixtures.js';

test('config - http listen: lists of tcp, IPv6 and unix addresses; timeouts', () => {
  const { config } = load(
    conf(
      '[http]',
      'listen = 127.0.0.1:8080  [::1]:8081 :8082 localhost:0 /run/signaling.sock',
      'readtimeout = 5',
      'writetimeout = 0',
    ),
  );
  assert.deepEqual(config.http, {
    listen: [
      { kind: 'tcp', host: '127.0.0.1', port: 8080 },
      { kind: 'tcp', host: '::1', port: 8081 },
      { kind: 'tcp', host: '', port: 8082 },
      { kind: 'tcp', host: 'localhost', port: 0 },
      { kind: 'unix', path: '/run/signaling.sock' },
    ],
    readTimeoutMs: 5_000,
    writeTimeoutMs: 30_000,
  });
  assert.equal(load(conf('[http]', 'readtimeout = -3')).config.http.readTimeoutMs, 15_000);
});

test('config - http listen and timeouts: invalid values', () => {
  for (const bad of ['8080', '127.0.0.1', '::1:8080', '[::1]8080', '[1.2.3.4]:80', 'host:http']) {
    assertConfigError(conf('[http]', `listen = ${bad}`), 'http', 'listen', bad);
  }
  assertConfigError(conf('[http]', 'listen = 127.0.0.1:65536'), 'http', 'listen');
  assertConfigError(conf('[http]', 'listen = bad_host!:80'), 'http', 'listen');
  assertConfigError(conf('[http]', 'readtimeout = 15s'), 'http', 'readtimeout', '"15s"');
  assertConfigError(conf('[http]', 'writetimeout = 1.5'), 'http', 'writetimeout', '"1.5"');
});

test('config - https listen needs certificate and key', () => {
  const ok = load(
    conf(
      '[https]',
      'listen = 0.0.0.0:8443',
      'certificate = /c.pem',
      'key = /k.pem',
      'readtimeout = 7',
    ),
  );
  assert.deepEqual(ok.config.https, {
    listen: [{ kind: 'tcp', host: '0.0.0.0', port: 8443 }],
    readTimeoutMs: 7_000,
    writeTimeoutMs: 30_000,
    certificate: '/c.pem',
    key: '/k.pem',
  });
  assertConfigError(conf('[https]', 'listen = :8443', 'key = /k.pem'), 'https', 'certificate');
  assertConfigError(conf('[https]', 'listen = :8443', 'certificate = /c.pem'), 'https', 'key');
});

test('config - app, federation and booleans in goconf spelling', () => {
  const { config, warnings } = load(
    conf(
      '[app]',
      'debug = Yes',
      'allowsubscribeany = on',
      'trustedproxies = 10.0.0.0/8, 192.168.1.1 ,fd00::/8',
      '[federation]',
      'skipverify = T',
      'timeout = 3',
    ),
  );
  assert.deepEqual(config.app, {
    debug: true,
    allowSubscribeAny: true,
    trustedProxies: ['10.0.0.0/8', '192.168.1.1', 'fd00::/8'],
  });
  assert.deepEqual(config.federation, { skipVerify: true, timeoutMs: 3_000 });
  assert.ok(warnings.some((warning) => warning.startsWith('[app] allowsubscribeany')));
  assert.ok(warnings.some((warning) => warning.startsWith('[federation] skipverify')));
  for (const [value, expected] of [
    ['0', false],
    ['n', false],
    ['OFF', false],
    ['1', true],
    ['y', true],
  ] as const) {
    assert.equal(load(conf('[app]', `debug = ${value}`)).config.app.debug, expected, value);
  }
  assertConfigError(conf('[app]', 'debug = enabled'), 'app', 'debug', '"enabled"');
  assertConfigError(conf('[federation]', 'timeout = ten'), 'federation', 'timeout', '"ten"');
});

test('config - IP lists: stats, trusted proxies, candidates; bad entries', () => {
  const { config } = load(
    conf(
      '[stats]',
      'allowed_ips = 192.168.0.0/24, 2001:db8::1',
      '[mcu]',
      'allowedcandidates = 10.0.0.0/8',
      'blockedcandidates = 1.2.3.0/24, ::/0',
    ),
  );
  assert.deepEqual(config.stats.allowedIps, ['192.168.0.0/24', '2001:db8::1']);
  assert.deepEqual(config.mcu.allowedCandidates, ['10.0.0.0/8']);
  assert.deepEqual(config.mcu.blockedCandidates, ['1.2.3.0/24', '::/0']);
  for (const bad of [
    '1.2.3.0/33',
    '300.1.1.1',
    '10.0.0.0/',
    'fe80::1%eth0',
    'localhost',
    '::/129',
  ]) {
    assertConfigError(conf('[stats]', `allowed_ips = ${bad}`), 'stats', 'allowed_ips', bad);
  }
  assertConfigError(conf('[app]', 'trustedproxies = 10/8'), 'app', 'trustedproxies');
  assertConfigError(conf('[mcu]', 'allowedcandidates = x'), 'mcu', 'allowedcandidates');
  assertConfigError(conf('[mcu]', 'blockedcandidates = 1.2.3.4/x'), 'mcu', 'blockedcandidates');
});

test('config - nats: unset and both loopback spellings select the embedded bus', () => {
  assert.deepEqual(load(conf()).config.nats.urls, []);
  assert.deepEqual(load(conf('[nats]', 'url =')).config.nats.urls, []);
  assert.deepEqual(load(conf('[nats]', 'url = nats://loopback')).config.nats.urls, []);
  const old = load(conf('[nats]', 'url = :loopback:'));
  assert.deepEqual(old.config.nats.urls, []);
  assert.ok(old.warnings.some((warning) => warning.includes('deprecated')));
});

test('config - nats: URL lists and invalid values', () => {
  const { config } = load(
    conf('[nats]', 'url = nats://a.invalid:4222, tls://b.invalid,c.invalid:4223'),
  );
  assert.deepEqual(config.nats.urls, [
    'nats://a.invalid:4222',
    'tls://b.invalid',
    'c.invalid:4223',
  ]);
  assertConfigError(conf('[nats]', 'url = nats://loopback, nats://a.invalid'), 'nats', 'url');
  assertConfigError(conf('[nats]', 'url = http://a.invalid'), 'nats', 'url', 'http://a.invalid');
  assertConfigError(conf('[nats]', 'url = nats://'), 'nats', 'url');
});

test('config - nats: heartbeat (our extension) in seconds, default 2, not warned about', () => {
  assert.equal(load(conf()).config.nats.heartbeatMs, 2000);
  const loaded = load(conf('[nats]', 'url = nats://a.invalid', 'heartbeat = 5'));
  assert.equal(loaded.config.nats.heartbeatMs, 5000);
  assert.ok(!loaded.warnings.some((warning) => warning.includes('heartbeat')));
  assert.equal(load(conf('[nats]', 'heartbeat = 0')).config.nats.heartbeatMs, 2000);
  assertConfigError(conf('[nats]', 'heartbeat = soon'), 'nats', 'heartbeat');
});

test('config - mcu: janus, bitrates, timeout and old-style type/url combinations', () => {
  const { config } = load(
    conf(
      '[mcu]',
      'type = janus',
      'url = wss://janus.invalid/ws',
      'maxstreambitrate = 500000',
      'maxscreenbitrate = -1',
      'timeout = 4',
    ),
  );
  assert.deepEqual(config.mcu, {
    type: 'janus',
    url: 'wss://janus.invalid/ws',
    maxStreamBitrate: 500_000,
    maxScreenBitrate: 2_097_152,
    allowedCandidates: [],
    blockedCandidates: [],
    timeoutMs: 4_000,
    proxy: {
      timeoutMs: 2_000,
      urlType: 'static',
      skipVerify: false,
      tokenId: '',
      tokenKey: '',
      dnsDiscovery: false,
      keyPrefix: '/signaling/proxy/server',
    },
  });
  const urlOnly = load(conf('[mcu]', 'url = ws://127.0.0.1:8188'));
  assert.equal(urlOnly.config.mcu.type, 'janus');
  assert.ok(urlOnly.warnings.some((warning) => warning.startsWith('[mcu] type')));
  const typeOnly = load(conf('[mcu]', 'type = janus'));
  assert.equal(typeOnly.config.mcu.type, '');
  assert.ok(typeOnly.warnings.some((warning) => warning.startsWith('[mcu] url')));
  assertConfigError(conf('[mcu]', 'type = mediasoup', 'url = ws://x'), 'mcu', 'type', 'mediasoup');
  assertConfigError(conf('[mcu]', 'type = Janus', 'url = ws://x'), 'mcu', 'type', 'Janus');
  assertConfigError(conf('[mcu]', 'type = janus', 'url = http://janus.invalid'), 'mcu', 'url');
  assertConfigError(conf('[mcu]', 'maxstreambitrate = 1M'), 'mcu', 'maxstreambitrate', '1M');
  assertConfigError(conf('[mcu]', 'timeout = x'), 'mcu', 'timeout');
});

test('config - turn: servers need apikey and secret', () => {
  const { config } = load(
    conf(
      '[turn]',
      'apikey = key',
      'secret = secret',
      'servers = turn:1.2.3.4:9991?transport=udp, turn:1.2.3.4:9991?transport=tcp',
    ),
  );
  assert.deepEqual(config.turn, {
    apiKey: 'key',
    secret: 'secret',
    servers: ['turn:1.2.3.4:9991?transport=udp', 'turn:1.2.3.4:9991?transport=tcp'],
  });
  assert.deepEqual(load(conf('[turn]', 'apikey = key')).config.turn.servers, []);
  assertConfigError(conf('[turn]', 'secret = s', 'servers = turn:x'), 'turn', 'apikey');
  assertConfigError(conf('[turn]', 'apikey = k', 'servers = turn:x'), 'turn', 'secret');
});
