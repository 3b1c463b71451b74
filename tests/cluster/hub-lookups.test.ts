import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevBackend } from '@spreed-ts/devbackend';
import type { Hub } from '@spreed-ts/server';
import { startSignaling } from '@spreed-ts/testkit';
import { signIn, ticketHello } from '../server/helpers/talk-steps.js';

type Cluster = NonNullable<Parameters<Hub['setCluster']>[0]>;

test('cluster lookups - the hello timer does not close a client while the others are asked', {
  timeout: 20_000,
}, async () => {
  const dev = new DevBackend();
  await dev.start();
  await using sig = await startSignaling({
    backends: [{ url: dev.url, secret: dev.secret }],
    timings: { helloTimeoutMs: 300, housekeepingMs: 20 },
  });
  try {
    dev.addUser('alice');
    const alice = await signIn(await sig.connect(), ticketHello(dev, 'alice'));
    alice.client.send({ type: 'bye', bye: {} });
    await alice.client.next('bye');
    // A cluster whose lookups take longer than the hello timeout (a silent server).
    let lookups = 0;
    const slow: Cluster = {
      active: true,
      sessionCount: async () => 0,
      resume: async () => {
        lookups++;
        await new Promise((resolve) => setTimeout(resolve, 700));
        return undefined;
      },
    };
    sig.server.hub.setCluster(slow);
    const client = await sig.connect();
    const started = Date.now();
    const id = client.send({ type: 'hello', hello: { version: '1.0', resumeid: alice.resumeId } });
    const reply = await client.next((f) => f.type === 'error' || f.type === 'bye', 5000);
    assert.deepEqual(reply, {
      id,
      type: 'error',
      error: { code: 'no_such_session', message: 'The session to resume does not exist.' },
    });
    assert.equal(lookups, 1);
    assert.ok(Date.now() - started >= 600);
    // The client then has a fresh hello timer for its new hello.
    assert.deepEqual(await client.next('bye', 5000), {
      type: 'bye',
      bye: { reason: 'hello_timeout' },
    });
  } finally {
    await dev.close();
  }
});
