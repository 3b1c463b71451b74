import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../logger.js';
import { fakeParticipant } from './fake-sessions.js';
import { eventTime } from './participant.js';
import { RoomPing } from './room-ping.js';
import { RoomRegistry } from './room-registry.js';

function setup(limit: unknown) {
  const registry = new RoomRegistry();
  const sent: unknown[] = [];
  const ping = new RoomPing({
    registry,
    backendClient: {
      signalingRequest: async (_backend, _url, body) => {
        sent.push(body);
        return {};
      },
    },
    capabilities: { getConfig: async () => ({ value: limit, cached: true }) },
    logger: silentLogger,
  });
  for (const [roomId, userId] of [
    ['r1', 'alice'],
    ['r1', ''],
    ['r2', 'bob'],
  ] as const) {
    const p = fakeParticipant({ userId }).participant;
    const room = registry.getOrCreate(p.session.backend, roomId, undefined);
    p.roomSessionId = `talk-${p.publicId}`;
    p.setRoom(room, eventTime());
    room.add(p, undefined);
  }
  // A member without a Talk session id is not pinged.
  const silent = fakeParticipant().participant;
  const r2 = registry.get('test', 'r2');
  silent.setRoom(r2, eventTime());
  r2?.add(silent, undefined);
  return { ping, sent };
}

type Ping = {
  type: string;
  ping: { version: string; roomid: string; entries: Array<{ userid?: string; sessionid: string }> };
};

test('room ping - one request per room without a ping limit', async () => {
  const { ping, sent } = setup(undefined);
  await ping.pingAll();
  const pings = sent as Ping[];
  assert.deepEqual(
    pings.map((p) => [p.type, p.ping.version, p.ping.roomid, p.ping.entries.length]).sort(),
    [
      ['ping', '1.0', 'r1', 2],
      ['ping', '1.0', 'r2', 1],
    ],
  );
  const anonymous = pings.flatMap((p) => p.ping.entries).find((e) => e.userid === undefined);
  assert.ok(anonymous?.sessionid.startsWith('talk-'));
});

test('room ping - combined across rooms in chunks of the ping limit', async () => {
  const { ping, sent } = setup(2);
  await ping.pingAll();
  const pings = sent as Ping[];
  assert.deepEqual(
    pings.map((p) => [p.ping.roomid, p.ping.entries.length]),
    [
      ['', 2],
      ['', 1],
    ],
  );
});
