import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEvent, seesJoin } from '../server/helpers/rooms-env.js';
import { startClusterEnv } from './helpers/cluster-env.js';

test('nats cluster - resume on another server relays to the session; unknown ids fail cleanly', {
  timeout: 60_000,
}, async () => {
  await using env = await startClusterEnv();
  env.dev.addUser('alice');
  env.dev.addUser('bob');
  env.dev.createRoom({ token: 'rs', owner: 'alice' });
  const alice = await env.joined(0, 'rs', 'alice');
  const bob = await env.joined(1, 'rs', 'bob');
  await seesJoin(alice.client, bob.sessionId);
  await seesJoin(bob.client, alice.sessionId);

  // Alice's connection to server 1 drops; a message for her is queued there meanwhile.
  await alice.client.close();
  bob.client.send({
    type: 'message',
    message: { recipient: { type: 'session', sessionid: alice.sessionId }, data: 'queued' },
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  // She comes back through server 3.
  const resumed = await env.connect(2);
  const helloId = resumed.send({
    type: 'hello',
    hello: { version: '2.0', resumeid: alice.resumeId },
  });
  const hello = await resumed.next('hello');
  assert.equal(hello.id, helloId);
  assert.equal((hello.hello as { sessionid: string }).sessionid, alice.sessionId);
  assert.equal((hello.hello as { resumeid: string }).resumeid, alice.resumeId);
  assert.equal((hello.hello as { version: string }).version, '2.0');
  assert.equal(((await resumed.next('message')).message as { data: unknown }).data, 'queued');
  // Messages flow both ways through the relay; she is still in her room.
  resumed.send({
    type: 'message',
    message: { recipient: { type: 'room' }, data: 'back' },
  });
  assert.equal(((await bob.client.next('message')).message as { data: unknown }).data, 'back');
  const rejoin = resumed.send({ type: 'room', room: { roomid: 'rs' } });
  const already = await resumed.next((f) => f.id === rejoin);
  assert.equal((already.error as { code: string }).code, 'already_joined');
  // A second resume elsewhere takes the session over; the first relay gets the usual bye.
  const third = await env.connect(1);
  third.send({ type: 'hello', hello: { version: '1.0', resumeid: alice.resumeId } });
  assert.equal(
    ((await third.next('hello')).hello as { sessionid: string }).sessionid,
    alice.sessionId,
  );
  assert.deepEqual((await resumed.next('bye')).bye, { reason: 'session_resumed' });
  await resumed.closed;
  // Bye through the relay ends the session for good: everybody sees her leave.
  third.send({ type: 'bye', bye: {} });
  await third.next('bye');
  const leave = await bob.client.next(isEvent('room', 'leave'));
  assert.deepEqual((leave.event as { leave: string[] }).leave, [alice.sessionId]);

  // Ids no server knows: no_such_session, from any server.
  for (const resumeid of [alice.resumeId, 'not-a-valid-id']) {
    const client = await env.connect(2);
    const id = client.send({ type: 'hello', hello: { version: '1.0', resumeid } });
    const error = await client.next('error', 8000);
    assert.deepEqual(error, {
      id,
      type: 'error',
      error: { code: 'no_such_session', message: 'The session to resume does not exist.' },
    });
  }
});

test('nats cluster - the session limit of a backend counts the sessions of all servers', {
  timeout: 60_000,
}, async () => {
  await using env = await startClusterEnv({ backendExtra: 'sessionlimit = 2' });
  env.dev.addUser('alice');
  env.dev.addUser('bob');
  env.dev.addUser('carol');
  const alice = await env.hello(0, 'alice');
  await env.hello(1, 'bob');
  const refused = await env.tryHello(2, 'carol');
  assert.deepEqual(refused.reply.error, {
    code: 'session_limit_exceeded',
    message: 'Too many sessions connected for this backend.',
  });
  // A session that ends frees its place, cluster-wide.
  alice.client.send({ type: 'bye', bye: {} });
  await alice.client.next('bye');
  await env.hello(2, 'carol');
});
