import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostPort, parseServerUrl, ServerList } from './servers.js';

test('nats servers - URLs with user and password, a token, TLS, a bare host:port, IPv6', () => {
  const withUser = parseServerUrl('nats://alice:p%40ss@nats.example:4333');
  assert.equal(withUser.host, 'nats.example');
  assert.equal(withUser.port, 4333);
  assert.equal(withUser.user, 'alice');
  assert.equal(withUser.pass, 'p@ss');
  assert.equal(withUser.token, undefined);
  assert.equal(withUser.tls, false);

  const withToken = parseServerUrl('nats://s3cr3t@10.0.0.1');
  assert.equal(withToken.token, 's3cr3t');
  assert.equal(withToken.user, undefined);
  assert.equal(withToken.port, 4222);

  const tls = parseServerUrl('tls://127.0.0.1:4443');
  assert.equal(tls.tls, true);
  assert.equal(hostPort(tls), '127.0.0.1:4443');

  const bare = parseServerUrl('127.0.0.1:4225');
  assert.equal(bare.url, 'nats://127.0.0.1:4225');
  assert.equal(bare.port, 4225);

  const v6 = parseServerUrl('nats://[::1]:4222');
  assert.equal(v6.host, '::1');
  assert.equal(hostPort(v6), '[::1]:4222');

  assert.throws(() => parseServerUrl('http://host:4222'), TypeError);
  assert.throws(() => parseServerUrl('nats://'), TypeError);
  assert.throws(() => parseServerUrl('nats://host:99999'), TypeError);
});

test('nats servers - round robin, discovered peers added once with the credentials, bounded', () => {
  const list = new ServerList(['nats://u:p@a:1', 'b:2']);
  assert.deepEqual([list.next().host, list.next().host, list.next().host], ['a', 'b', 'a']);
  const from = parseServerUrl('nats://u:p@a:1');
  assert.equal(list.addDiscovered(from, ['a:1', 'c:3', 'c:3', 'bad url with spaces:x']), 1);
  assert.equal(list.size, 3);
  list.next(); // b
  const c = list.next();
  assert.equal(c.host, 'c');
  assert.equal(c.user, 'u');
  assert.equal(c.discovered, true);
  const many = Array.from({ length: 200 }, (_, i) => `10.0.${Math.floor(i / 250)}.${i % 250}:4222`);
  list.addDiscovered(from, many);
  assert.equal(list.size, 64);
  assert.throws(() => new ServerList([]), TypeError);
});
