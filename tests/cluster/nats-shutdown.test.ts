import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { TestClient } from '@spreed-ts/testkit';
import { startClusterEnv } from './helpers/cluster-env.js';

test('nats cluster - SIGUSR1: new clients go to the other server, the last bye ends the process', {
  timeout: 60_000,
}, async () => {
  await using env = await startClusterEnv({ servers: 2 });
  for (const user of ['alice', 'bob']) {
    env.dev.addUser(user);
  }
  const alice = await env.hello(0, 'alice');
  const leaving = env.servers[0];
  assert.ok(leaving !== undefined);
  const exited = once(leaving.child, 'exit');

  leaving.child.kill('SIGUSR1');
  await leaving.waitForLog(/received SIGUSR1/);
  // The server no longer accepts connections; the other one takes new sessions.
  await assert.rejects(TestClient.connect(leaving.wsUrl, { timeoutMs: 3000 }));
  const bob = await env.hello(1, 'bob');
  // Alice's connection drops; she resumes through the other server, which relays her to her
  // session (it lives on until she leaves).
  await alice.client.close();
  const resumed = await env.connect(1);
  resumed.send({ type: 'hello', hello: { version: '1.0', resumeid: alice.resumeId } });
  const hello = await resumed.next((f) => f.type === 'hello' || f.type === 'error');
  assert.equal((hello.hello as { sessionid: string } | undefined)?.sessionid, alice.sessionId);
  resumed.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: bob.sessionId }, data: 'moving' },
  });
  assert.equal(((await bob.client.next('message')).message as { data: unknown }).data, 'moving');
  assert.equal(leaving.child.exitCode, null);

  resumed.send({ type: 'bye', bye: {} });
  await resumed.next('bye');
  const [code] = await exited;
  assert.equal(code, 0);
  await env.servers[1]?.waitForLog(/cluster peer gone.*reason=goodbye/);
  // Her session is gone for good: a resume fails at once, a new hello works.
  const again = await env.connect(1);
  const started = Date.now();
  again.send({ type: 'hello', hello: { version: '1.0', resumeid: alice.resumeId } });
  const error = await again.next((f) => f.type === 'error' || f.type === 'bye');
  assert.equal((error.error as { code: string } | undefined)?.code, 'no_such_session');
  assert.ok(Date.now() - started < 1500, `no_such_session after ${Date.now() - started} ms`);
  await env.hello(1, 'alice');
});
