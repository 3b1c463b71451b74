import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendsConfig } from '../config/server-config.js';
import { BackendRegistry } from './backend-registry.js';

const base: BackendsConfig = {
  allowAll: false,
  secret: 'common',
  backends: [],
  timeoutMs: 1000,
  connectionsPerHost: 8,
  skipVerify: false,
};

const backend = (id: string, urls: string[], extra: object = {}) => ({
  id,
  urls,
  secret: `${id}-secret`,
  sessionLimit: 0,
  maxStreamBitrate: 0,
  maxScreenBitrate: 0,
  ...extra,
});

test('backend registry - longest URL prefix wins; other paths and schemes do not match', () => {
  const registry = new BackendRegistry({
    ...base,
    backends: [
      backend('root', ['https://cloud.example/']),
      backend('sub', ['https://cloud.example/nc/']),
    ],
  });
  assert.equal(registry.lookup('https://cloud.example/nc/')?.id, 'sub');
  assert.equal(registry.lookup('https://cloud.example/nc/x/')?.id, 'sub');
  assert.equal(registry.lookup('https://cloud.example/nc2/')?.id, 'root');
  assert.equal(registry.lookup('http://cloud.example/nc/'), undefined);
  assert.equal(registry.lookup('https://other.example/'), undefined);
  assert.equal(registry.byId('sub')?.secret, 'sub-secret');
});

test('backend registry - legacy host list, allowhttp, allowall and reload', () => {
  const legacy = new BackendRegistry({
    ...base,
    backends: [backend('compat', [], { hosts: ['cloud.example', 'other:8080'], allowHttp: false })],
  });
  assert.equal(legacy.lookup('https://cloud.example/any/path/')?.id, 'compat');
  assert.equal(legacy.lookup('https://other:8080/')?.id, 'compat');
  assert.equal(legacy.lookup('http://cloud.example/'), undefined);
  const all = new BackendRegistry({ ...base, allowAll: true });
  assert.equal(all.lookup('http://anything.example/')?.secret, 'common');
  assert.equal(all.candidatesFor(undefined, undefined).length, 1);
  all.reload({ ...base, backends: [backend('one', ['https://one.example/'])] });
  assert.equal(all.lookup('http://anything.example/'), undefined);
  assert.equal(all.lookup('https://one.example/')?.id, 'one');
  assert.deepEqual(
    all.candidatesFor('https://one.example', 'https://one.example/').map((b) => b.id),
    ['one'],
  );
  assert.deepEqual(all.candidatesFor('https://evil.example', 'https://evil.example/'), []);
  assert.deepEqual(
    all.candidatesFor(undefined, undefined).map((b) => b.id),
    ['one'],
  );
});

test('backend registry - upsert and remove at run time (etcd); SIGHUP keeps etcd backends', () => {
  const etcdConfig: BackendsConfig = { ...base, allowAll: true, etcd: { prefix: '/b' } };
  const registry = new BackendRegistry(etcdConfig);
  // allowall does not apply to etcd backends.
  assert.equal(registry.lookup('https://cloud.example/'), undefined);
  registry.upsert(backend('/b/one', ['https://cloud.example/']));
  registry.upsert(backend('/b/sub', ['https://cloud.example/nc/']));
  assert.equal(registry.lookup('https://cloud.example/nc/')?.id, '/b/sub');
  registry.upsert({ ...backend('/b/one', ['https://cloud.example/']), secret: 'changed' });
  assert.equal(registry.lookup('https://cloud.example/')?.secret, 'changed');
  assert.equal(registry.backends.length, 2);
  // Same URL under a second key: the first one added keeps answering until it is removed.
  registry.upsert(backend('/b/dup', ['https://cloud.example/']));
  assert.equal(registry.lookup('https://cloud.example/')?.id, '/b/one');
  registry.reload(etcdConfig);
  assert.equal(registry.backends.length, 3);
  assert.equal(registry.remove('/b/one'), true);
  assert.equal(registry.remove('/b/one'), false);
  assert.equal(registry.lookup('https://cloud.example/')?.id, '/b/dup');
  assert.equal(registry.remove('/b/dup'), true);
  assert.equal(registry.lookup('https://cloud.example/'), undefined);
  assert.equal(registry.byId('/b/sub')?.id, '/b/sub');
});
