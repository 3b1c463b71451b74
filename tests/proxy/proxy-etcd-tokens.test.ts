// Our bin/proxy with `[app] tokentype = etcd`: the signaling server's public key is put into a real
// etcd, deleted, and moved by a reloaded `[tokens] keyformat` while the proxy runs; hellos follow
// each change without a restart. Hellos need no Janus, so the proxy's Janus URL points nowhere.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { startEtcd, TestClient } from '@spreed-ts/testkit';
import { startOurProxy } from './helpers/our-proxy.js';

const AUTH_FAILED = { code: 'auth_failed', message: 'The token could not be authenticated.' };

test('proxy tokentype = etcd - keys put, deleted and moved by a reload apply to new hellos', {
  timeout: 60_000,
}, async () => {
  await using etcd = await startEtcd();
  await using proxy = await startOurProxy({
    janusUrl: 'ws://127.0.0.1:9/',
    etcdTokens: { endpoint: etcd.endpoint, keyFormat: '/test/proxy/tokens/%s/public-key' },
  });
  const key = `/test/proxy/tokens/${proxy.tokenId}/public-key`;

  /** One hello on a new connection: the session id, or the error. */
  const hello = async (): Promise<{ ok: true } | { ok: false; error: unknown }> => {
    const client = await TestClient.connect(proxy.wsUrl, { timeoutMs: 5_000 });
    try {
      const id = client.send({ type: 'hello', hello: { version: '1.0', token: proxy.token() } });
      const reply = await client.next((f) => f.id === id);
      return reply.type === 'hello' ? { ok: true } : { ok: false, error: reply.error };
    } finally {
      await client.close();
    }
  };
  const eventually = async (ok: boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const result = await hello();
      if (result.ok === ok) {
        return result;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(result)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  // Not in etcd: refused as an unknown issuer.
  assert.deepEqual(await hello(), { ok: false, error: AUTH_FAILED });
  // Something that is not a key under the name: still refused, the proxy goes on.
  await etcd.put(key, 'not a pem key');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await hello(), { ok: false, error: AUTH_FAILED });
  assert.match(proxy.output(), /not a PEM public key/);

  // The key is put: accepted without restarting the proxy.
  await etcd.put(key, proxy.publicKeyPem);
  await eventually(true, 'hello accepted after the key was put');

  // Deleted: new hellos are refused again.
  await etcd.delete(key);
  assert.deepEqual(await eventually(false, 'hello refused after the delete'), {
    ok: false,
    error: AUTH_FAILED,
  });

  // SIGHUP with another keyformat: the key under the new name counts, the old name does not.
  await etcd.put(key, proxy.publicKeyPem);
  await etcd.put(`/test/other/${proxy.tokenId}.pem`, proxy.publicKeyPem);
  await eventually(true, 'hello accepted again');
  await etcd.delete(`/test/other/${proxy.tokenId}.pem`);
  const conf = readFileSync(proxy.confPath, 'utf8');
  writeFileSync(
    proxy.confPath,
    conf.replace('keyformat = /test/proxy/tokens/%s/public-key', 'keyformat = /test/other/%s.pem'),
  );
  proxy.child.kill('SIGHUP');
  await etcd.put(`/test/other/${proxy.tokenId}.pem`, proxy.publicKeyPem);
  await etcd.delete(key);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await hello(), { ok: true }, proxy.output());
  assert.equal(proxy.child.exitCode, null);
});
