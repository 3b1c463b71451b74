import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ticketHello } from '../server/helpers/talk-steps.js';
import { startClusterEnv } from './helpers/cluster-env.js';

/** The servers' hello timeout is upstream's 2 s; answers must come well before it. */
const PROMPT_MS = 1_500;

test('nats cluster - right after a server crashes, its clients get no_such_session elsewhere at once', {
  timeout: 60_000,
}, async (t) => {
  await using env = await startClusterEnv({ backendExtra: 'sessionlimit = 10' });
  for (const user of ['alice', 'bob', 'carol']) {
    env.dev.addUser(user);
  }
  const alice = await env.hello(1, 'alice');
  const bob = await env.hello(1, 'bob');

  await env.servers[1]?.kill('SIGKILL');
  // The survivors still count server 1 as a peer (it is given up only after missed heartbeats),
  // so they ask it and get no answer.
  for (const [i, who] of [
    [0, alice],
    [2, bob],
  ] as const) {
    const client = await env.connect(i);
    const started = Date.now();
    const id = client.send({ type: 'hello', hello: { version: '2.0', resumeid: who.resumeId } });
    const reply = await client.next((f) => f.type === 'error' || f.type === 'bye', 10_000);
    const took = Date.now() - started;
    assert.deepEqual(reply, {
      id,
      type: 'error',
      error: { code: 'no_such_session', message: 'The session to resume does not exist.' },
    });
    t.diagnostic(`server ${i}: no_such_session after ${took} ms`);
    assert.ok(took < PROMPT_MS, `no_such_session after ${took} ms`);
    // The connection stays usable: the client falls back to a new session, as Talk does. This
    // hello asks the other servers for their session counts (the backend has a limit).
    const helloStarted = Date.now();
    const helloId = client.send(ticketHello(env.dev, 'carol'));
    const fresh = await client.next((f) => f.id === helloId || f.type === 'bye', 10_000);
    assert.equal(fresh.type, 'hello', JSON.stringify(fresh));
    const helloTook = Date.now() - helloStarted;
    t.diagnostic(`server ${i}: new session after ${helloTook} ms`);
    assert.ok(helloTook < PROMPT_MS, `new session after ${helloTook} ms`);
  }
  // Still no peer given up (heartbeat 1 s: after about 4 s): the answers did not wait for that.
  assert.doesNotMatch(env.servers[0]?.output() ?? '', /cluster peer gone/);
});
