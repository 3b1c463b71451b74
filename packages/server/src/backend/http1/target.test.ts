import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTarget, serializeRequest } from './target.js';

test('http target - origin, Host and path of http(s) URLs', () => {
  const plain = parseTarget('http://Cloud.Example.com/nextcloud/ocs/v2.php?format=json#frag');
  assert.deepEqual(plain.origin, {
    key: 'http://cloud.example.com',
    secure: false,
    hostname: 'cloud.example.com',
    port: 80,
    servername: 'cloud.example.com',
    host: 'cloud.example.com',
  });
  assert.equal(plain.path, '/nextcloud/ocs/v2.php?format=json');
  assert.equal(plain.authorization, undefined);

  const tls = parseTarget('https://cloud.example.com:8443/');
  assert.equal(tls.origin.secure, true);
  assert.equal(tls.origin.port, 8443);
  assert.equal(tls.origin.host, 'cloud.example.com:8443');
  assert.equal(parseTarget('https://cloud.example.com:443/').origin.host, 'cloud.example.com');

  const v6 = parseTarget('https://[::1]:8443/x');
  assert.equal(v6.origin.hostname, '::1');
  assert.equal(v6.origin.host, '[::1]:8443');
  assert.equal(v6.origin.servername, undefined, 'no SNI for IP literals');
  assert.equal(parseTarget('https://127.0.0.1/').origin.servername, undefined);

  assert.equal(parseTarget('http://example.com').path, '/');
  assert.equal(
    parseTarget('http://user:p%40ss@example.com/').authorization,
    `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
  );
  assert.throws(() => parseTarget('ftp://example.com/'), TypeError);
  assert.throws(() => parseTarget('not a url'), TypeError);
  assert.throws(() => parseTarget('http://127.0.0.1:0/'), TypeError);
});

test('http target - the request is one string: request line, Host, headers, length, body', () => {
  const target = parseTarget('http://127.0.0.1:8080/ocs/api?x=1');
  assert.equal(
    serializeRequest('POST', target, { 'Content-Type': 'application/json', 'X-A': 'b' }, '{"ä":1}'),
    'POST /ocs/api?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n' +
      'X-A: b\r\nContent-Length: 8\r\n\r\n{"ä":1}',
  );
  assert.equal(
    serializeRequest('GET', target, { Accept: '*/*' }, undefined),
    'GET /ocs/api?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n\r\n',
  );
  assert.equal(
    serializeRequest('POST', target, {}, undefined),
    'POST /ocs/api?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 0\r\n\r\n',
  );
  // Latin-1 header values go out as single bytes, the body as UTF-8.
  const bytes = serializeRequest('POST', target, { 'X-Name': 'caf\u00e9' }, '\u00e9');
  assert.ok(Buffer.isBuffer(bytes));
  assert.ok(bytes.includes(Buffer.from('X-Name: caf\xe9\r\n', 'latin1')));
  assert.ok(bytes.subarray(-2).equals(Buffer.from('\u00e9', 'utf8')));
  // User info in the URL becomes basic auth unless the caller sets Authorization.
  const auth = parseTarget('http://u:p@example.com/');
  assert.match(serializeRequest('GET', auth, {}, undefined) as string, /\r\nAuthorization: Basic /);
  assert.doesNotMatch(
    serializeRequest('GET', auth, { authorization: 'Bearer x' }, undefined) as string,
    /Basic/,
  );
});

test('http target - header names and values that would corrupt the request are refused', () => {
  const target = parseTarget('http://127.0.0.1/');
  for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\0b', 'a\x7fb', '\u0100']) {
    assert.throws(
      () => serializeRequest('GET', target, { 'X-Test': value }, undefined),
      (err: unknown) => err instanceof TypeError && /X-Test/.test(err.message),
      JSON.stringify(value),
    );
  }
  for (const name of ['Bad Name', 'X-\r\nA', '', 'a:b']) {
    assert.throws(
      () => serializeRequest('GET', target, { [name]: 'v' }, undefined),
      /invalid HTTP header name/,
    );
  }
  for (const name of ['Host', 'content-length', 'Transfer-Encoding', 'Connection']) {
    assert.throws(
      () => serializeRequest('GET', target, { [name]: 'v' }, undefined),
      /sets the .* header itself/,
    );
  }
  // Tabs are allowed in values.
  assert.match(
    serializeRequest('GET', target, { 'X-Tab': 'a\tb' }, undefined) as string,
    /X-Tab: a\tb/,
  );
});
