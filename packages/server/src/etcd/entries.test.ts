import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { parseBackendEntry } from './etcd-backends.js';
import { prefixRangeEnd } from './etcd-client.js';
import { parseProxyEntry } from './etcd-proxy-urls.js';
import { parseKeyFormats, parseRsaPublicKey } from './etcd-token-keys.js';

test('backend entry - upstream format: urls (or url), secret, limits; canonical URLs', () => {
  assert.deepEqual(
    parseBackendEntry(
      '/signaling/backend/one',
      JSON.stringify({
        urls: ['https://cloud.example:443/nc', 'https://cloud.example/nc/', 'http://other.example'],
        secret: 's3cret',
        sessionlimit: 10,
        maxstreambitrate: 1000,
        maxscreenbitrate: 2000,
      }),
    ),
    {
      id: '/signaling/backend/one',
      urls: ['https://cloud.example/nc/', 'http://other.example/'],
      secret: 's3cret',
      sessionLimit: 10,
      maxStreamBitrate: 1000,
      maxScreenBitrate: 2000,
      allowHttp: true,
    },
  );
  const legacy = parseBackendEntry('/k', '{"url":"https://cloud.example","secret":"s"}');
  assert.deepEqual(legacy.urls, ['https://cloud.example/']);
  assert.equal(legacy.allowHttp, false);
  assert.equal(legacy.sessionLimit, 0);
});

test('backend entry - invalid entries are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['{"urls":["https://a.example"]}', /secret missing/],
    ['{"urls":["https://a.example"],"secret":""}', /secret missing/],
    ['{"urls":["https://a.example"],"secret":5}', /secret: not a string/],
    ['{"secret":"s"}', /urls missing/],
    ['{"urls":[],"secret":"s"}', /urls missing/],
    ['{"urls":"https://a.example","secret":"s"}', /urls: not a list/],
    ['{"urls":[1],"secret":"s"}', /not a list of strings/],
    ['{"urls":["ftp://a.example"],"secret":"s"}', /invalid url/],
    ['{"urls":["https://a.example"],"secret":"s","sessionlimit":-1}', /sessionlimit/],
    ['{"urls":["https://a.example"],"secret":"s","maxstreambitrate":1.5}', /maxstreambitrate/],
    ['[1]', /not a JSON object/],
    ['{"urls":', /not valid JSON/],
    [`{"secret":"s","urls":${'['.repeat(20)}${']'.repeat(20)}}`, /not valid JSON/],
    [
      JSON.stringify({
        secret: 's',
        urls: Array.from({ length: 65 }, (_, i) => `https://h${i}.example`),
      }),
      /more than 64/,
    ],
  ];
  for (const [text, reason] of cases) {
    assert.throws(() => parseBackendEntry('/k', text), reason, text);
  }
});

test('proxy entry - address with a trailing slash added; other fields ignored', () => {
  assert.equal(parseProxyEntry('{"address":"https://proxy.example"}'), 'https://proxy.example/');
  assert.equal(
    parseProxyEntry('{"address":"https://proxy.example/x/","a":1}'),
    'https://proxy.example/x/',
  );
  assert.throws(() => parseProxyEntry('{}'), /address missing/);
  assert.throws(() => parseProxyEntry('{"address":""}'), /address missing/);
  assert.throws(() => parseProxyEntry('{"address":"not a url"}'), /invalid address/);
  assert.throws(() => parseProxyEntry('{"address":"file:///etc"}'), /invalid address/);
});

test('token keys - keyformat needs one %s; RSA public keys only', () => {
  assert.deepEqual(parseKeyFormats(undefined), [
    { prefix: '/signaling/proxy/tokens/', suffix: '/public-key' },
  ]);
  assert.deepEqual(parseKeyFormats(' /a/%s , /b/%s.pem'), [
    { prefix: '/a/', suffix: '' },
    { prefix: '/b/', suffix: '.pem' },
  ]);
  assert.throws(() => parseKeyFormats('/a/'), /exactly one %s/);
  assert.throws(() => parseKeyFormats('/a/%s/%s'), /exactly one %s/);
  assert.throws(() => parseKeyFormats('/a/%d/%s'), /exactly one %s/);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  assert.equal(parseRsaPublicKey(pem).asymmetricKeyType, 'rsa');
  assert.throws(() => parseRsaPublicKey('garbage'), /not a PEM public key/);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  assert.throws(
    () => parseRsaPublicKey(ec.export({ type: 'spki', format: 'pem' }) as string),
    /not an RSA key/,
  );
});

test('prefix range end - last byte incremented, 0xff bytes dropped', () => {
  assert.deepEqual(prefixRangeEnd(Buffer.from('/a/')), Buffer.from('/a0'));
  assert.deepEqual(prefixRangeEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
  assert.deepEqual(prefixRangeEnd(Buffer.from([0xff])), Buffer.from([0]));
  assert.deepEqual(prefixRangeEnd(Buffer.alloc(0)), Buffer.from([0]));
});
