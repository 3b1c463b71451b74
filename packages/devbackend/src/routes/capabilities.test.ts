import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePublicKey, verifyJwt } from '@spreed-ts/protocol';
import type { TalkJwtAlgorithm } from '../auth/token-signer.js';
import { DevBackend } from '../dev-backend.js';
import { OcsTestClient } from '../fixtures/http-fixtures.js';

const T = { timeout: 10_000 };

test('capabilities - OCS envelope with Talk features and signaling config', T, async () => {
  await using backend = new DevBackend({ signalingUrl: 'http://127.0.0.1:9/' });
  await backend.start();
  const res = await new OcsTestClient(backend.url).get('ocs/v2.php/cloud/capabilities?format=json');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.ocs.meta, { status: 'ok', statuscode: 200, message: 'OK' });
  const spreed = res.json.ocs.data.capabilities.spreed;
  assert.ok(spreed.features.includes('signaling-v3'));
  assert.ok(spreed.features.includes('conversation-v4'));
  assert.equal(spreed.config.signaling['session-ping-limit'], 200);
  assert.equal(spreed.config.call['end-to-end-encryption'], false);
  assert.equal(spreed.config.signaling['hello-v2-token-key'], backend.publicKey);
  assert.equal(typeof res.json.ocs.data.version.major, 'number');
});

test('capabilities - signaling-v3 can be switched off', T, async () => {
  await using backend = new DevBackend({ signalingV3: false });
  await backend.start();
  const res = await new OcsTestClient(backend.url).get('ocs/v2.php/cloud/capabilities');
  assert.equal(res.json.ocs.data.capabilities.spreed.features.includes('signaling-v3'), false);
});

test('capabilities - ETag and If-None-Match give 304', T, async () => {
  await using backend = new DevBackend();
  await backend.start();
  const client = new OcsTestClient(backend.url);
  const first = await client.get('ocs/v2.php/cloud/capabilities');
  const etag = first.headers.get('etag');
  assert.match(etag ?? '', /^"[0-9a-f]{32}"$/);
  assert.equal(first.headers.get('cache-control'), 'no-cache, no-store, must-revalidate');
  const second = await client.get('ocs/v2.php/cloud/capabilities', { 'If-None-Match': etag ?? '' });
  assert.equal(second.status, 304);
  assert.equal(second.text, '');
});

for (const alg of ['ES256', 'RS256', 'EdDSA'] as const satisfies TalkJwtAlgorithm[]) {
  test(
    `capabilities - the published ${alg} key verifies tokens the backend issued`,
    T,
    async () => {
      await using backend = new DevBackend({ jwtAlgorithm: alg });
      await backend.start();
      backend.addUser('alice', { displayName: 'Alice' });
      const res = await new OcsTestClient(backend.url).get('ocs/v2.php/cloud/capabilities');
      const key = parsePublicKey(
        res.json.ocs.data.capabilities.spreed.config.signaling['hello-v2-token-key'],
      );
      const result = verifyJwt(backend.helloV2Token('alice'), key, {
        leewaySeconds: 60,
        requireIat: true,
      });
      assert.equal(result.ok, true);
      if (result.ok) {
        assert.equal(result.algorithm, alg);
        assert.equal(result.claims.iss, backend.url);
        assert.equal(result.claims.sub, 'alice');
        assert.deepEqual(result.claims.userdata, { displayname: 'Alice' });
        assert.equal((result.claims.exp ?? 0) - (result.claims.iat ?? 0), 60);
      }
    },
  );
}

test('hello v2 token - guests have no sub, overrides replace claims', T, async () => {
  await using backend = new DevBackend();
  await backend.start();
  const key = parsePublicKey(backend.publicKey);
  const guest = verifyJwt(backend.helloV2Token(null), key, { leewaySeconds: 60, requireIat: true });
  assert.equal(guest.ok && guest.claims.sub, undefined);
  assert.equal(guest.ok && guest.claims.userdata, undefined);
  const expired = verifyJwt(backend.helloV2Token(null, { iat: 1000 }), key, {
    leewaySeconds: 60,
    requireIat: true,
  });
  assert.equal(expired.ok ? 'ok' : expired.failure, 'expired');
});
