import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevBackend } from '@spreed-ts/devbackend';
import { startRooms } from '@spreed-ts/server';
import { startSignaling, type TestClient } from '@spreed-ts/testkit';
import { signIn, ticketHello } from './helpers/talk-steps.js';

/**
 * Two Nextclouds share one signaling server (`allowall = false`, two backends). Neither `message`
 * nor `control` may cross from one backend's sessions to the other's, whatever permissions the
 * sender holds; within a backend both are delivered.
 */
test('backends - message and control never reach a session of another backend', {
  timeout: 20_000,
}, async () => {
  const one = new DevBackend();
  const two = new DevBackend();
  await one.start();
  await two.start();
  one.addUser('alice');
  two.addUser('bob');
  const sig = await startSignaling({
    backends: [
      { url: one.url, secret: one.secret },
      { url: two.url, secret: two.secret },
    ],
    setup: (server) => startRooms(server),
  });
  one.setSignalingUrl(sig.httpUrl);
  two.setSignalingUrl(sig.httpUrl);
  const clients: TestClient[] = [];
  try {
    const open = async (hello: Record<string, unknown>) => {
      const client = await sig.connect();
      clients.push(client);
      return signIn(client, hello);
    };
    const alice = await open(ticketHello(one, 'alice'));
    const bob = await open(ticketHello(two, 'bob'));
    // Internal clients may send control without any permission: the strongest sender there is.
    const internalTwo = await open(sig.internalHello(two.url));
    const internalOne = await open(sig.internalHello(one.url));

    const to = (sessionid: string) => ({ type: 'session', sessionid });
    for (const type of ['message', 'control'] as const) {
      internalTwo.client.send({ type, [type]: { recipient: to(alice.sessionId), data: { n: 1 } } });
      // Same backend: delivered (proves the sender could send at all).
      internalTwo.client.send({ type, [type]: { recipient: to(bob.sessionId), data: { n: 2 } } });
      const got = await bob.client.next(type, 5_000);
      assert.deepEqual((got[type] as { data: unknown }).data, { n: 2 });
      internalOne.client.send({ type, [type]: { recipient: to(alice.sessionId), data: { n: 3 } } });
      const own = await alice.client.next(type, 5_000);
      assert.deepEqual(
        (own[type] as { data: unknown }).data,
        { n: 3 },
        `${type} from backend 2 reached a session of backend 1`,
      );
    }
    await alice.client.expectNothing('message', 200);
    await alice.client.expectNothing('control', 10);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await sig.close();
    await one.close();
    await two.close();
  }
});
