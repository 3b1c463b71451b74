import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePublicKey, verifyJwt } from '@spreed-ts/protocol';
import { DevBackend } from '../dev-backend.js';
import { backendRequest, OcsTestClient } from '../fixtures/http-fixtures.js';

const T = { timeout: 10_000 };

test(
  'settings - guest settings have the shape of Talk external signaling settings',
  T,
  async () => {
    await using backend = new DevBackend({
      secret: 's',
      signalingUrl: 'http://127.0.0.1:8080/',
      stunServers: ['127.0.0.1:3478'],
    });
    await backend.start();
    const room = backend.createRoom();
    const res = await new OcsTestClient(backend.url).get(
      `ocs/v2.php/apps/spreed/api/v3/signaling/settings?format=json&token=${room.token}`,
    );
    assert.equal(res.status, 200);
    const data = res.json.ocs.data;
    assert.deepEqual(Object.keys(data).sort(), [
      'federation',
      'helloAuthParams',
      'hideWarning',
      'server',
      'signalingMode',
      'sipDialinInfo',
      'stunservers',
      'ticket',
      'turnservers',
      'userId',
    ]);
    assert.equal(data.signalingMode, 'external');
    assert.equal(data.server, 'http://127.0.0.1:8080/');
    assert.equal(data.userId, null);
    assert.equal(data.hideWarning, true);
    assert.equal(data.federation, null);
    assert.deepEqual(data.stunservers, [{ urls: ['stun:127.0.0.1:3478'] }]);
    assert.deepEqual(data.turnservers, []);
    assert.equal(data.sipDialinInfo, '');
    assert.deepEqual(data.helloAuthParams['1.0'], { userid: null, ticket: data.ticket });
    const token = verifyJwt(data.helloAuthParams['2.0'].token, parsePublicKey(backend.publicKey), {
      leewaySeconds: 60,
      requireIat: true,
    });
    assert.equal(token.ok, true);

    // The v1 ticket round-trips through the backend endpoint.
    const auth = await backendRequest(
      backend.url,
      { type: 'auth', auth: { version: '1.0', params: data.helloAuthParams['1.0'] } },
      's',
    );
    assert.deepEqual(auth.json.ocs.data, { type: 'auth', auth: { version: '1.0' } });
  },
);

test('settings - users get their id, a user ticket and TURN credentials', T, async () => {
  await using backend = new DevBackend({
    turnServers: [
      { schemes: 'turn', server: 'turn.local:3478', protocols: 'udp,tcp', secret: 'x' },
    ],
  });
  await backend.start();
  backend.addUser('alice', { appPassword: 'pw' });
  const room = backend.createRoom({ type: 'group', owner: 'alice' });
  const client = new OcsTestClient(backend.url, { user: 'alice', password: 'pw' });
  const res = await client.get(
    `ocs/v2.php/apps/spreed/api/v3/signaling/settings?token=${room.token}`,
  );
  const data = res.json.ocs.data;
  assert.equal(data.userId, 'alice');
  assert.equal(data.signalingMode, 'internal');
  assert.equal(data.helloAuthParams['1.0'].userid, 'alice');
  assert.equal(data.ticket.split(':')[2], 'alice');
  assert.deepEqual(data.turnservers[0].urls, [
    'turn:turn.local:3478?transport=udp',
    'turn:turn.local:3478?transport=tcp',
  ]);
  assert.match(data.turnservers[0].username, /^\d+:/);
});

test('settings - unknown rooms and group rooms of others are 404', T, async () => {
  await using backend = new DevBackend();
  await backend.start();
  backend.addUser('alice');
  const group = backend.createRoom({ type: 'group', owner: 'alice' });
  const client = new OcsTestClient(backend.url);
  for (const token of ['nope', group.token]) {
    const res = await client.get(`ocs/v2.php/apps/spreed/api/v3/signaling/settings?token=${token}`);
    assert.equal(res.status, 404);
    assert.equal(res.json.ocs.meta.status, 'failure');
  }
});

test('settings - wrong Basic auth is 401', T, async () => {
  await using backend = new DevBackend();
  await backend.start();
  backend.addUser('alice', { appPassword: 'pw' });
  const client = new OcsTestClient(backend.url, { user: 'alice', password: 'bad' });
  const res = await client.get('ocs/v2.php/apps/spreed/api/v3/signaling/settings');
  assert.equal(res.status, 401);
});
