import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinedClient, startRoomsEnv } from './helpers/rooms-env.js';

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}metrics`)).text();
}

function value(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('room metrics - rooms, room sessions and call sessions follow joins, the call and leaves', {
  timeout: 20_000,
}, async () => {
  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  env.dev.createRoom({ token: 'metrics', owner: 'alice' });
  const url = env.sig.httpUrl;
  const alice = await joinedClient(env, 'metrics', 'alice');
  const stats = (await (await fetch(`${url}api/v1/stats`)).json()) as { rooms: number };
  assert.equal(stats.rooms, 1);
  let text = await metrics(url);
  assert.equal(value(text, 'signaling_room_sessions', 'room="metrics"'), 1);
  env.dev.setInCall(alice.talkSessionId, 3);
  await alice.client.next((f) => f.type === 'event' && JSON.stringify(f).includes('"inCall":3'));
  text = await metrics(url);
  assert.equal(value(text, 'signaling_call_sessions', 'room="metrics"'), 1);
  alice.client.send({ type: 'room', room: { roomid: '' } });
  await alice.client.next('room');
  const after = (await (await fetch(`${url}api/v1/stats`)).json()) as { rooms: number };
  assert.equal(after.rooms, 0);
  text = await metrics(url);
  assert.ok((value(text, 'signaling_room_sessions', 'room="metrics"') ?? 0) === 0);
  assert.ok((value(text, 'signaling_call_sessions', 'room="metrics"') ?? 0) === 0);
});
