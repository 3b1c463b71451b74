import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { startSignaling } from '@spreed-ts/testkit';
import { request } from './helpers/ops-env.js';

const turnConfig = [
  '[turn]',
  'apikey = the-api-key',
  'secret = the-turn-secret',
  'servers = turn:turn.invalid:3478?transport=udp, turn:turn.invalid:3478?transport=tcp',
].join('\n');

test('turn - /turn/credentials returns 24 h REST credentials for the API key', {
  timeout: 20_000,
}, async () => {
  await using sig = await startSignaling({ extraConfig: turnConfig });
  for (const query of [
    'service=turn&api=the-api-key&username=janus',
    'service=turn&key=the-api-key&username=janus',
  ]) {
    const before = Math.floor(Date.now() / 1000);
    const reply = await request(`${sig.httpUrl}turn/credentials?${query}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.ok(reply.headers.get('server'));
    assert.ok(reply.text.endsWith('}\n'));
    const body = JSON.parse(reply.text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['username', 'password', 'ttl', 'uris']);
    const [expires, name] = String(body.username).split(':');
    assert.equal(name, 'janus');
    assert.ok(Number(expires) >= before + 86_400 && Number(expires) <= before + 86_402);
    assert.equal(
      body.password,
      createHmac('sha1', 'the-turn-secret').update(String(body.username)).digest('base64'),
    );
    assert.equal(body.ttl, 86_400);
    assert.deepEqual(body.uris, [
      'turn:turn.invalid:3478?transport=udp',
      'turn:turn.invalid:3478?transport=tcp',
    ]);
  }
  const anonymous = JSON.parse(
    (await request(`${sig.httpUrl}turn/credentials?service=turn&api=the-api-key`)).text,
  ) as { username: string };
  assert.match(anonymous.username, /^\d+:[A-Z2-7]{32}$/);
});

test('turn - bad service or key is 400, a wrong key 403, no servers 404', {
  timeout: 20_000,
}, async () => {
  await using sig = await startSignaling({ extraConfig: turnConfig });
  const cases: Array<[string, number, string]> = [
    ['', 400, 'Invalid service and/or key sent.\n'],
    ['service=stun&api=the-api-key', 400, 'Invalid service and/or key sent.\n'],
    ['service=turn', 400, 'Invalid service and/or key sent.\n'],
    ['service=turn&api=wrong', 403, 'Not allowed to access this service.\n'],
  ];
  for (const [query, status, text] of cases) {
    const reply = await request(`${sig.httpUrl}turn/credentials?${query}`);
    assert.equal(reply.status, status, query);
    assert.equal(reply.text, text);
    assert.equal(reply.headers.get('content-type'), 'text/plain; charset=utf-8');
  }
  assert.equal(
    (await request(`${sig.httpUrl}turn/credentials?service=turn&api=x`, { method: 'POST' })).status,
    405,
  );
  await using none = await startSignaling({ extraConfig: '[turn]\napikey = k\nsecret = s' });
  const missing = await request(`${none.httpUrl}turn/credentials?service=turn&api=k`);
  assert.equal(missing.status, 404);
  assert.equal(missing.text, 'No TURN servers available.\n');
  // No [stats] restriction on TURN credentials: Janus asks from wherever it runs.
  await using restricted = await startSignaling({
    extraConfig: `${turnConfig}\n[stats]\nallowed_ips = 192.0.2.1`,
  });
  const open = await request(`${restricted.httpUrl}turn/credentials?service=turn&api=the-api-key`);
  assert.equal(open.status, 200);
});
