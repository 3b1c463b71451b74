import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertConfigError as assertTextError, conf, load as loadText } from './config-fixtures.js';

function load(...lines: string[]) {
  return loadText(conf(...lines));
}

function assertConfigError(lines: string[], section: string, key: string, mention?: string): void {
  assertTextError(conf(...lines), section, key, mention);
}

test('backends - sections with urls, own or common secret, limits and bitrates', () => {
  const { config, warnings } = load(
    '[backend]',
    'backends = one, Two , one',
    'secret = common',
    'timeout = 3',
    'connectionsperhost = 2',
    'skipverify = true',
    '[one]',
    'urls = https://Cloud.Invalid:443/, https://cloud.invalid/nc, http://other.invalid:8080/x/',
    'secret = own',
    'sessionlimit = 10',
    'maxstreambitrate = 100000',
    'maxscreenbitrate = 200000',
    '[two]',
    'url = https://two.invalid/ocs/v2.php/apps/spreed/api/v3/signaling/backend',
    'sessionlimit = -5',
  );
  assert.deepEqual(config.backend, {
    allowAll: false,
    secret: 'common',
    timeoutMs: 3_000,
    connectionsPerHost: 2,
    skipVerify: true,
    backends: [
      {
        id: 'one',
        urls: [
          'https://cloud.invalid/',
          'https://cloud.invalid/nc/',
          'http://other.invalid:8080/x/',
        ],
        secret: 'own',
        sessionLimit: 10,
        maxStreamBitrate: 100_000,
        maxScreenBitrate: 200_000,
        allowHttp: true,
      },
      {
        id: 'Two',
        urls: ['https://two.invalid/'],
        secret: 'common',
        sessionLimit: 0,
        maxStreamBitrate: 0,
        maxScreenBitrate: 0,
        allowHttp: false,
      },
    ],
  });
  assert.ok(!warnings.some((warning) => warning.includes('unknown option')), String(warnings));
});

test('backends - "urls" wins over the legacy "url"; duplicate urls collapse', () => {
  const { config } = load(
    '[backend]',
    'backends = one',
    '[one]',
    'urls = https://a.invalid/, https://a.invalid',
    'url = https://ignored.invalid/',
    'secret = s',
  );
  assert.deepEqual(config.backend.backends[0]!.urls, ['https://a.invalid/']);
});

test('backends - timeouts and connections: zero or negative means the default', () => {
  const { config } = load('[backend]', 'timeout = 0', 'connectionsperhost = -1');
  assert.equal(config.backend.timeoutMs, 10_000);
  assert.equal(config.backend.connectionsPerHost, 8);
});

test('backends - broken backend definitions are ConfigErrors', () => {
  assertConfigError(['[backend]', 'backends = one'], 'backend', 'backends', '"one"');
  assertConfigError(['[backend]', 'backends = one', '[one]', 'secret = s'], 'one', 'urls');
  assertConfigError(
    ['[backend]', 'backends = one', '[one]', 'urls = ftp://a.invalid/', 'secret = s'],
    'one',
    'urls',
    'ftp://a.invalid/',
  );
  assertConfigError(
    ['[backend]', 'backends = one', '[one]', 'url = not a url', 'secret = s'],
    'one',
    'url',
    'not a url',
  );
  assertConfigError(
    ['[backend]', 'backends = one', '[one]', 'urls = https://a.invalid'],
    'one',
    'secret',
  );
  assertConfigError(
    [
      '[backend]',
      'backends = a, b',
      'secret = s',
      '[a]',
      'urls = https://x.invalid/',
      '[b]',
      'urls = https://X.invalid:443',
    ],
    'b',
    'urls',
    '"a"',
  );
  assertConfigError(
    [
      '[backend]',
      'backends = a',
      '[a]',
      'urls = https://x.invalid',
      'secret = s',
      'sessionlimit = many',
    ],
    'a',
    'sessionlimit',
    'many',
  );
  assertConfigError(['[backend]', 'timeout = soon'], 'backend', 'timeout', 'soon');
  assertConfigError(['[backend]', 'connectionsperhost = 8.5'], 'backend', 'connectionsperhost');
  assertConfigError(['[backend]', 'allowall = maybe'], 'backend', 'allowall', 'maybe');
  assertConfigError(['[backend]', 'backendtype = consul'], 'backend', 'backendtype', 'consul');
});

test('backends - legacy "allowed" hosts become one compat backend', () => {
  const { config, warnings } = load(
    '[backend]',
    'allowed = Cloud.Invalid, other.invalid:8443/nextcloud, /only-a-path, cloud.invalid',
    'allowhttp = true',
    'secret = common',
    'sessionlimit = 20',
    'maxstreambitrate = 300000',
    'maxscreenbitrate = 600000',
  );
  assert.deepEqual(config.backend.backends, [
    {
      id: 'compat',
      urls: [],
      hosts: ['cloud.invalid', 'other.invalid:8443'],
      secret: 'common',
      sessionLimit: 20,
      maxStreamBitrate: 300_000,
      maxScreenBitrate: 600_000,
      allowHttp: true,
    },
  ]);
  assert.ok(warnings.some((warning) => warning.includes('path removed from "other.invalid:8443')));
  assert.equal(
    load('[backend]', 'allowed = a.invalid').config.backend.backends[0]!.allowHttp,
    false,
  );
});

test('backends - "allowed" with no usable host configures nothing', () => {
  const { config, warnings } = load('[backend]', 'allowed = /x, ,');
  assert.deepEqual(config.backend.backends, []);
  assert.ok(warnings.some((warning) => warning.startsWith('[backend] allowed: no usable')));
});

test('backends - "backends" wins over "allowed", whose keys are then reported as ignored', () => {
  const { config, warnings } = load(
    '[backend]',
    'backends = one',
    'allowed = legacy.invalid',
    'sessionlimit = 3',
    '[one]',
    'urls = https://one.invalid/',
    'secret = s',
  );
  assert.deepEqual(
    config.backend.backends.map((backend) => backend.id),
    ['one'],
  );
  assert.ok(
    warnings.includes('[backend] allowed: ignored because backends are configured in sections'),
  );
  assert.ok(
    warnings.includes(
      '[backend] sessionlimit: ignored because backends are configured in sections',
    ),
  );
});

test('backends - allowall: no backend list, one set of settings for every URL', () => {
  const { config, warnings } = load(
    '[backend]',
    'allowall = true',
    'secret = common',
    'sessionlimit = 5',
    'backends = one',
    'allowed = ignored.invalid',
  );
  assert.equal(config.backend.allowAll, true);
  assert.deepEqual(config.backend.backends, []);
  assert.deepEqual(config.backend.allowAllBackend, {
    id: 'compat',
    urls: [],
    secret: 'common',
    sessionLimit: 5,
    maxStreamBitrate: 0,
    maxScreenBitrate: 0,
    allowHttp: true,
  });
  assert.ok(warnings.some((warning) => warning.startsWith('[backend] allowall')));
  assert.ok(warnings.some((warning) => warning.startsWith('[backend] backends: ignored')));
});

test('backends - section names are case-insensitive, unknown options in them are warned about', () => {
  const { config, warnings } = load(
    '[backend]',
    'backends = MyCloud',
    '[MYCLOUD]',
    'URLS = https://my.invalid',
    'secret = s',
    'sesionlimit = 4',
  );
  assert.equal(config.backend.backends[0]!.id, 'MyCloud');
  assert.ok(warnings.includes('[mycloud] sesionlimit: unknown option, ignored'), String(warnings));
});
