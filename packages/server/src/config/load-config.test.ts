import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertConfigError, conf, HASH_KEY, load } from './config-fixtures.js';

/**
 * Upstream's own sample (server.conf.in) is not copied into this repository (it is AGPL text); it
 * lives in the shared reference folder next to the checkout (`../shared/reference/`), which CI
 * provides. SPREED_UPSTREAM_SAMPLE may point elsewhere. A missing file fails the test.
 */
const upstreamSample =
  process.env.SPREED_UPSTREAM_SAMPLE ??
  fileURLToPath(
    new URL('../../../../../shared/reference/upstream-server.conf.in', import.meta.url),
  );

test('config - upstream sample server.conf.in loads unchanged', () => {
  const { config, unsupported, warnings } = load(readFileSync(upstreamSample, 'utf8'));
  assert.equal(config.sessions.hashKey, 'the-secret-for-session-checksums');
  assert.equal(config.sessions.blockKey, '-encryption-key-');
  assert.equal(config.clients.internalSecret, 'the-shared-secret-for-internal-clients');
  assert.equal(config.https.certificate, '/etc/nginx/ssl/server.crt');
  assert.equal(config.https.key, '/etc/nginx/ssl/server.key');
  assert.deepEqual(config.http.listen, []);
  assert.equal(config.backend.allowAll, false);
  assert.equal(config.backend.timeoutMs, 10_000);
  assert.equal(config.backend.connectionsPerHost, 8);
  assert.deepEqual(config.backend.backends, []);
  assert.deepEqual(config.nats.urls, []);
  assert.equal(config.mcu.type, '');
  assert.deepEqual(unsupported, []);
  assert.ok(!warnings.some((warning) => warning.includes('unknown option')), String(warnings));
});

test('config - a file in the sample layout (comments, commented-out options) loads', () => {
  const text = [
    '[http]',
    '# where to listen',
    '#listen = 127.0.0.1:8080',
    '#readtimeout = 15',
    '',
    '[https]',
    '#listen = 127.0.0.1:8443',
    'certificate = /etc/ssl/server.crt',
    'key = /etc/ssl/server.key',
    '',
    '[app]',
    'debug = false',
    '#trustedproxies =',
    '',
    '[sessions]',
    `hashkey = ${HASH_KEY}`,
    'blockkey = 0123456789abcdef',
    '',
    '[backend]',
    '#backends = backend-id, another-backend',
    'allowall = false',
    'timeout = 10',
    'connectionsperhost = 8',
    '#[backend-id]',
    '#urls = https://cloud.domain.invalid',
    '',
    '[nats]',
    '#url = nats://localhost:4222',
    '[mcu]',
    '#type =',
    '[turn]',
    '[geoip]',
    '#license =',
    '[geoip-overrides]',
    '#127.0.0.1 = DE',
    '[continent-overrides]',
    '[stats]',
    '[etcd]',
    '[grpc]',
    '#listen = 0.0.0.0:9090',
  ].join('\n');
  const { config, unsupported } = load(text);
  assert.equal(config.sessions.blockKey, '0123456789abcdef');
  assert.equal(config.https.certificate, '/etc/ssl/server.crt');
  assert.deepEqual(unsupported, []);
});

test('config - defaults when nothing but the hash key is set', () => {
  const { config, unsupported, warnings } = load(conf());
  assert.deepEqual(config, {
    http: { listen: [], readTimeoutMs: 15_000, writeTimeoutMs: 30_000 },
    https: { listen: [], readTimeoutMs: 15_000, writeTimeoutMs: 30_000, certificate: '', key: '' },
    app: { debug: false, allowSubscribeAny: false, trustedProxies: undefined },
    sessions: { hashKey: HASH_KEY, blockKey: '' },
    clients: { internalSecret: '' },
    federation: { skipVerify: false, timeoutMs: 10_000 },
    backend: {
      allowAll: false,
      secret: '',
      backends: [],
      timeoutMs: 10_000,
      connectionsPerHost: 8,
      skipVerify: false,
    },
    nats: { urls: [], heartbeatMs: 2_000 },
    mcu: {
      type: '',
      url: '',
      maxStreamBitrate: 1_048_576,
      maxScreenBitrate: 2_097_152,
      allowedCandidates: [],
      blockedCandidates: [],
      timeoutMs: 10_000,
      proxy: {
        timeoutMs: 2_000,
        urlType: 'static',
        skipVerify: false,
        tokenId: '',
        tokenKey: '',
        dnsDiscovery: false,
        keyPrefix: '/signaling/proxy/server',
      },
    },
    geoip: { overrides: [], continentOverrides: {} },
    turn: { apiKey: '', secret: '', servers: [] },
    stats: { allowedIps: ['127.0.0.1', '::1'] },
    etcd: { endpoints: [], discoverySrv: '', discoveryService: '', tls: undefined },
  });
  assert.deepEqual(unsupported, []);
  for (const expected of ['[clients] internalsecret', '[http] listen', '[backend]: no backends']) {
    assert.ok(
      warnings.some((warning) => warning.startsWith(expected)),
      `${expected} in ${warnings}`,
    );
  }
});

test('config - sessions: hashkey is required, its length only warned about', () => {
  assertConfigError('[http]\n', 'sessions', 'hashkey');
  assertConfigError('[sessions]\nhashkey =\n', 'sessions', 'hashkey');
  const short = load('[sessions]\nhashkey = short');
  assert.equal(short.config.sessions.hashKey, 'short');
  assert.ok(short.warnings.some((warning) => /hashkey: .* 5 bytes/.test(warning)));
  // Lengths count UTF-8 bytes: 16 two-byte characters are 32 bytes.
  const utf8 = load(`[sessions]\nhashkey = ${'é'.repeat(16)}`);
  assert.ok(!utf8.warnings.some((warning) => warning.includes('hashkey')));
  assert.ok(!load(conf()).warnings.some((warning) => warning.includes('hashkey')));
  assert.ok(
    !load(`[sessions]\nhashkey = ${'x'.repeat(64)}`)
      .warnings.join()
      .includes('hashkey'),
  );
});

test('config - sessions: blockkey must be 16, 24 or 32 bytes', () => {
  for (const length of [16, 24, 32]) {
    assert.equal(
      load(conf(`blockkey = ${'k'.repeat(length)}`)).config.sessions.blockKey.length,
      length,
    );
  }
  assertConfigError(conf('blockkey = 0123456789abcde'), 'sessions', 'blockkey', '15 bytes');
  assertConfigError(conf(`blockkey = ${'k'.repeat(33)}`), 'sessions', 'blockkey');
});

test('config - $(VAR) references in the options upstream expands', () => {
  const env = {
    HASH: HASH_KEY,
    BLOCK: '0123456789abcdef',
    INTERNAL: 'internal-secret',
    PORT: '8080',
    NATS: 'nats://nats.invalid:4222',
    JANUS: 'ws://janus.invalid:8188',
    TURNKEY: 'api-key',
    TURNSECRET: 'turn-secret',
    COMMON: 'common-secret',
    OWN: 'own-secret',
    HOST: 'cloud.invalid',
  };
  const text = [
    '[sessions]',
    'hashkey = $(HASH)',
    'blockkey = $(BLOCK)',
    '[clients]',
    'internalsecret = $(INTERNAL)',
    '[http]',
    'listen = 127.0.0.1:$(PORT)',
    '[nats]',
    'url = $(NATS)',
    '[mcu]',
    'type = janus',
    'url = $(JANUS)',
    '[turn]',
    'apikey = $(TURNKEY)',
    'secret = $(TURNSECRET)',
    'servers = turn:$(HOST)',
    '[backend]',
    'backends = one, two',
    'secret = $(COMMON)',
    '[one]',
    'urls = https://$(HOST)/one',
    'secret = $(OWN)',
    '[two]',
    'url = https://$(HOST)/two',
    '[stats]',
    'allowed_ips = 127.0.0.1',
  ].join('\n');
  const { config, warnings } = load(text, env);
  assert.equal(config.sessions.hashKey, HASH_KEY);
  assert.equal(config.sessions.blockKey, '0123456789abcdef');
  assert.equal(config.clients.internalSecret, 'internal-secret');
  assert.deepEqual(config.http.listen, [{ kind: 'tcp', host: '127.0.0.1', port: 8080 }]);
  assert.deepEqual(config.nats.urls, ['nats://nats.invalid:4222']);
  assert.equal(config.mcu.url, 'ws://janus.invalid:8188');
  assert.equal(config.turn.apiKey, 'api-key');
  assert.equal(config.turn.secret, 'turn-secret');
  assert.deepEqual(config.turn.servers, ['turn:$(HOST)'], 'upstream does not expand servers');
  assert.equal(config.backend.secret, 'common-secret');
  assert.deepEqual(
    config.backend.backends.map(({ id, urls, secret }) => ({ id, urls, secret })),
    [
      { id: 'one', urls: ['https://cloud.invalid/one/'], secret: 'own-secret' },
      { id: 'two', urls: ['https://cloud.invalid/two/'], secret: 'common-secret' },
    ],
  );
  assert.ok(!warnings.some((warning) => warning.includes('environment')), String(warnings));
});

test('config - an unset variable becomes its bare name, with a warning', () => {
  const { config, warnings } = load(conf('[clients]', 'internalsecret = $(NOT_SET)'), {
    NOT_SET: undefined,
  });
  assert.equal(config.clients.internalSecret, 'NOT_SET');
  assert.ok(
    warnings.some((warning) => warning.startsWith('[clients] internalsecret: environment')),
  );
  const empty = load(conf('[clients]', 'internalsecret = $(EMPTY)'), { EMPTY: '' });
  assert.equal(empty.config.clients.internalSecret, '');
});

test('config - syntax errors of the file are ConfigErrors naming the line', () => {
  assertConfigError(conf('[http]', 'listen'), 'http', 'line 4', 'listen');
});
