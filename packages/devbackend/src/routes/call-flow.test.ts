import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { DevBackend } from '../dev-backend.js';
import {
  backendRequest,
  OcsTestClient,
  type Receiver,
  startReceiver,
} from '../fixtures/http-fixtures.js';
import { AttendeePermissions } from '../model/constants.js';
import type { NotifiedParticipant } from '../signaling/notification-types.js';

const T = { timeout: 15_000 };
const API = 'ocs/v2.php/apps/spreed/api';

async function setup(): Promise<{ backend: DevBackend; receiver: Receiver } & AsyncDisposable> {
  const receiver = await startReceiver();
  const backend = new DevBackend({ secret: 's', signalingUrl: receiver.url });
  await backend.start();
  return {
    backend,
    receiver,
    async [Symbol.asyncDispose]() {
      await backend.close();
      await receiver.close();
    },
  };
}

function bodies(receiver: Receiver, type: string): Record<string, unknown>[] {
  return receiver.requests
    .map((r) => JSON.parse(r.body) as Record<string, unknown>)
    .filter((b) => b.type === type);
}

interface ParticipantLists {
  incall?: number;
  changed: NotifiedParticipant[];
  users: NotifiedParticipant[];
}

/** The `incall` (or `participants`) payloads of one type, typed for assertions. */
function lists(receiver: Receiver, type: 'incall' | 'participants'): ParticipantLists[] {
  return bodies(receiver, type).map((b) => b[type] as ParticipantLists);
}

async function joinAsGuest(
  backend: DevBackend,
  token: string,
): Promise<{ client: OcsTestClient; sessionId: string }> {
  const client = new OcsTestClient(backend.url);
  const page = await client.get(`index.php/call/${token}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /data-requesttoken="[^"]+"/);
  assert.ok(client.cookieNames.includes('nc_session_id'));
  const joined = await client.post(`${API}/v4/room/${token}/participants/active?format=json`, {
    force: true,
  });
  assert.equal(joined.status, 200);
  return { client, sessionId: joined.json.ocs.data.sessionId as string };
}

test(
  'call - guest join notifies invite, POST /call notifies incall exactly like Talk',
  T,
  async () => {
    await using env = await setup();
    const { backend, receiver } = env;
    const room = backend.createRoom({ name: 'Standup' });
    const { client, sessionId } = await joinAsGuest(backend, room.token);
    assert.equal(sessionId.length, 255);

    const [invite] = bodies(receiver, 'invite');
    assert.deepEqual(invite, {
      type: 'invite',
      invite: {
        userids: [],
        alluserids: [],
        properties: {
          name: 'Standup',
          type: 3,
          'lobby-state': 0,
          'lobby-timer': null,
          'read-only': 0,
          listable: 0,
          'active-since': null,
          'sip-enabled': 0,
          'participant-list': 'refresh',
        },
      },
    });

    // The signaling server validates the room join with the backend.
    const join = await backendRequest(
      backend.url,
      {
        type: 'room',
        room: { version: '1.0', roomid: room.token, sessionid: sessionId, action: 'join' },
      },
      's',
    );
    assert.equal(join.json.ocs.data.type, 'room');

    const call = await client.post(`${API}/v4/call/${room.token}`, { flags: 3, silent: false });
    assert.equal(call.status, 200);
    // Talk notifies synchronously: the request is already there when POST /call returns.
    const [incall] = bodies(receiver, 'incall');
    assert.ok(incall);
    const entry = {
      inCall: 3,
      lastPing: backend.session(sessionId)?.lastPing,
      sessionId,
      nextcloudSessionId: sessionId,
      participantType: 4,
      participantPermissions: AttendeePermissions.instanceDefault,
      actorType: 'guests',
      actorId: createHash('sha1').update(sessionId).digest('hex'),
    };
    assert.deepEqual(incall, {
      type: 'incall',
      incall: { incall: 3, changed: [entry], users: [entry] },
    });

    const peers = await client.get(`${API}/v4/call/${room.token}`);
    assert.equal(peers.json.ocs.data[0].sessionId, sessionId);
    assert.equal(backend.room(room.token)?.callFlag, 3);
  },
);

test(
  'call - flags are masked by permissions; users lists everyone in the call; leaving sends 0',
  T,
  async () => {
    await using env = await setup();
    const { backend, receiver } = env;
    const room = backend.createRoom({
      defaultPermissions:
        AttendeePermissions.custom |
        AttendeePermissions.startCall |
        AttendeePermissions.joinCall |
        AttendeePermissions.publishAudio,
    });
    const a = await joinAsGuest(backend, room.token);
    const b = await joinAsGuest(backend, room.token);
    await a.client.post(`${API}/v4/call/${room.token}`, { flags: 7 });
    await b.client.post(`${API}/v4/call/${room.token}`, { flags: 7 });
    const second = lists(receiver, 'incall')[1];
    assert.ok(second);
    assert.equal(second.incall, 3);
    assert.deepEqual(
      second.changed.map((e) => e.sessionId),
      [b.sessionId],
    );
    assert.deepEqual(
      second.users.map((e) => [e.sessionId, e.inCall]),
      [
        [a.sessionId, 3],
        [b.sessionId, 3],
      ],
    );

    await a.client.delete(`${API}/v4/call/${room.token}`);
    const third = lists(receiver, 'incall')[2];
    assert.ok(third);
    assert.equal(third.incall, 0);
    assert.equal(third.changed[0]?.inCall, 0);
    assert.deepEqual(
      third.users.map((e) => e.sessionId),
      [b.sessionId],
    );
  },
);

test('call - moderator ends the call for everyone with incall all', T, async () => {
  await using env = await setup();
  const { backend, receiver } = env;
  backend.addUser('mod', { appPassword: 'pw' });
  const room = backend.createRoom({ owner: 'mod' });
  const mod = new OcsTestClient(backend.url, { user: 'mod', password: 'pw' });
  await mod.post(`${API}/v4/room/${room.token}/participants/active`, {});
  const guest = await joinAsGuest(backend, room.token);
  await mod.post(`${API}/v4/call/${room.token}`, { flags: 3 });
  await guest.client.post(`${API}/v4/call/${room.token}`, { flags: 3 });
  const res = await mod.delete(`${API}/v4/call/${room.token}`, { all: true });
  assert.equal(res.status, 200);
  assert.deepEqual(bodies(receiver, 'incall').at(-1), {
    type: 'incall',
    incall: { incall: 0, all: true },
  });
  assert.equal(backend.room(room.token)?.activeSince, null);
});

test('call - joining again with the same cookies disinvites the old session', T, async () => {
  await using env = await setup();
  const { backend, receiver } = env;
  const room = backend.createRoom();
  const first = await joinAsGuest(backend, room.token);
  const again = await first.client.post(`${API}/v4/room/${room.token}/participants/active`, {
    force: true,
  });
  const newSession = again.json.ocs.data.sessionId as string;
  assert.notEqual(newSession, first.sessionId);
  const disinvite = bodies(receiver, 'disinvite')[0] as { disinvite: Record<string, unknown> };
  assert.deepEqual(disinvite.disinvite.sessionids, [first.sessionId]);
  // The guest attendee is reused: only one invite was sent.
  assert.equal(bodies(receiver, 'invite').length, 1);
  assert.equal(backend.attendees(room.token).length, 1);
});

test('call - without cookies a call join is 404, without OCS-APIRequest 412', T, async () => {
  await using env = await setup();
  const { backend } = env;
  const room = backend.createRoom();
  const { client } = await joinAsGuest(backend, room.token);
  const stranger = new OcsTestClient(backend.url);
  assert.equal((await stranger.post(`${API}/v4/call/${room.token}`, { flags: 3 })).status, 404);
  client.ocsHeader = false;
  const res = await client.post(`${API}/v4/call/${room.token}`, { flags: 3 });
  assert.equal(res.status, 412);
});

test(
  'room - password protected rooms refuse wrong passwords with 403 {error:"password"}',
  T,
  async () => {
    await using env = await setup();
    const { backend } = env;
    const room = backend.createRoom({ password: 'secret' });
    const client = new OcsTestClient(backend.url);
    const wrong = await client.post(`${API}/v4/room/${room.token}/participants/active`, {
      password: 'x',
    });
    assert.equal(wrong.status, 403);
    assert.deepEqual(wrong.json.ocs.data, { error: 'password' });
    const right = await client.post(`${API}/v4/room/${room.token}/participants/active`, {
      password: 'secret',
    });
    assert.equal(right.status, 200);
    assert.equal(right.json.ocs.data.hasPassword, true);
  },
);

test(
  'room - guest name change notifies participants; leaving disinvites the guest session',
  T,
  async () => {
    await using env = await setup();
    const { backend, receiver } = env;
    const room = backend.createRoom();
    const { client, sessionId } = await joinAsGuest(backend, room.token);
    const named = await client.post(`${API}/v1/guest/${room.token}/name`, { displayName: 'Bot' });
    assert.equal(named.status, 200);
    const participants = lists(receiver, 'participants')[0];
    assert.equal(participants?.changed[0]?.displayName, 'Bot');
    assert.deepEqual(participants?.changed[0]?.permissions, [
      'publish-audio',
      'publish-video',
      'publish-screen',
    ]);
    const left = await client.delete(`${API}/v4/room/${room.token}/participants/active`);
    assert.equal(left.status, 200);
    const disinvite = bodies(receiver, 'disinvite')[0] as { disinvite: Record<string, unknown> };
    assert.deepEqual(disinvite.disinvite.sessionids, [sessionId]);
    assert.equal(backend.session(sessionId), undefined);
  },
);

test('room - a user following the public link self-joins and is invited', T, async () => {
  await using env = await setup();
  const { backend, receiver } = env;
  backend.addUser('alice', { appPassword: 'pw' });
  const room = backend.createRoom();
  const alice = new OcsTestClient(backend.url, { user: 'alice', password: 'pw' });
  const res = await alice.post(`${API}/v4/room/${room.token}/participants/active`, {});
  assert.equal(res.json.ocs.data.participantType, 5);
  assert.equal(res.json.ocs.data.actorId, 'alice');
  const invite = bodies(receiver, 'invite')[0] as { invite: Record<string, unknown> };
  assert.deepEqual(invite.invite.userids, ['alice']);
  assert.deepEqual(invite.invite.alluserids, ['alice']);
  const info = await alice.get(`${API}/v4/room/${room.token}`);
  assert.equal(info.json.ocs.data.sessionId, res.json.ocs.data.sessionId);
});

test(
  'room - force=false while the old session is in the call is 409 with that session',
  T,
  async () => {
    await using env = await setup();
    const { backend } = env;
    const room = backend.createRoom();
    const { client, sessionId } = await joinAsGuest(backend, room.token);
    await client.post(`${API}/v4/call/${room.token}`, { flags: 1 });
    const res = await client.post(`${API}/v4/room/${room.token}/participants/active`, {
      force: false,
    });
    assert.equal(res.status, 409);
    assert.equal(res.json.ocs.data.sessionId, sessionId);
    assert.equal(res.json.ocs.data.inCall, 1);
  },
);

test('call - the lobby blocks guests with 412 but not moderators', T, async () => {
  await using env = await setup();
  const { backend } = env;
  backend.addUser('mod', { appPassword: 'pw' });
  const room = backend.createRoom({ owner: 'mod', lobby: true });
  const { client } = await joinAsGuest(backend, room.token);
  assert.equal((await client.post(`${API}/v4/call/${room.token}`, { flags: 3 })).status, 412);
  const mod = new OcsTestClient(backend.url, { user: 'mod', password: 'pw' });
  await mod.post(`${API}/v4/room/${room.token}/participants/active`, {});
  assert.equal((await mod.post(`${API}/v4/call/${room.token}`, { flags: 3 })).status, 200);
});
