import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevBackend } from '../dev-backend.js';
import { backendRequest } from '../fixtures/http-fixtures.js';
import { AttendeePermissions, ParticipantTypes } from '../model/constants.js';

const T = { timeout: 10_000 };

async function started(): Promise<DevBackend> {
  const backend = new DevBackend({ secret: 'the-secret' });
  await backend.start();
  return backend;
}

test(
  'backend endpoint - bad checksum gets invalid_request in an OCS envelope with HTTP 200',
  T,
  async () => {
    await using backend = await started();
    const res = await backendRequest(backend.url, { type: 'auth', auth: {} }, 'wrong-secret');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.ocs.meta, { status: 'ok', statuscode: 200, message: 'OK' });
    assert.deepEqual(res.json.ocs.data, {
      type: 'error',
      error: { code: 'invalid_request', message: 'The request could not be authenticated.' },
    });
    assert.equal(backend.backendRequests[0]?.checksumValid, false);
  },
);

test('backend endpoint - a missing random is refused like a bad checksum', T, async () => {
  await using backend = await started();
  const res = await fetch(new URL('ocs/v2.php/apps/spreed/api/v3/signaling/backend', backend.url), {
    method: 'POST',
    body: '{"type":"ping","ping":{"entries":[]}}',
  });
  const json = (await res.json()) as { ocs: { data: { error: { code: string } } } };
  assert.equal(json.ocs.data.error.code, 'invalid_request');
});

test('backend endpoint - v1 auth accepts a user ticket and names the user', T, async () => {
  await using backend = await started();
  backend.addUser('alice', { displayName: 'Alice A.' });
  const res = await backendRequest(
    backend.url,
    {
      type: 'auth',
      auth: { version: '1.0', params: { userid: 'alice', ticket: backend.ticketFor('alice') } },
    },
    'the-secret',
  );
  assert.deepEqual(res.json.ocs.data, {
    type: 'auth',
    auth: { version: '1.0', userid: 'alice', user: { displayname: 'Alice A.' } },
  });
});

test('backend endpoint - v1 auth for guests answers without user id', T, async () => {
  await using backend = await started();
  const res = await backendRequest(
    backend.url,
    {
      type: 'auth',
      auth: { version: '1.0', params: { userid: null, ticket: backend.ticketFor(null) } },
    },
    'the-secret',
  );
  assert.deepEqual(res.json.ocs.data, { type: 'auth', auth: { version: '1.0' } });
});

test('backend endpoint - v1 auth rejects a ticket of another user', T, async () => {
  await using backend = await started();
  backend.addUser('alice');
  backend.addUser('bob');
  const res = await backendRequest(
    backend.url,
    {
      type: 'auth',
      auth: { version: '1.0', params: { userid: 'bob', ticket: backend.ticketFor('alice') } },
    },
    'the-secret',
  );
  assert.equal(res.json.ocs.data.error.code, 'invalid_ticket');
});

test(
  'backend endpoint - room join of a known Talk session returns properties and permissions',
  T,
  async () => {
    await using backend = await started();
    const room = backend.createRoom({ name: 'Daily' });
    const guest = backend.joinRoom(room.token);
    const res = await backendRequest(
      backend.url,
      {
        type: 'room',
        room: {
          version: '1.0',
          roomid: room.token,
          userid: '',
          sessionid: guest.sessionId,
          action: 'join',
        },
      },
      'the-secret',
    );
    const data = res.json.ocs.data;
    assert.equal(data.type, 'room');
    assert.equal(data.room.version, '1.0');
    assert.equal(data.room.roomid, room.token);
    assert.deepEqual(data.room.permissions, ['publish-audio', 'publish-video', 'publish-screen']);
    assert.deepEqual(data.room.properties, {
      name: 'Daily',
      type: 3,
      'lobby-state': 0,
      'lobby-timer': null,
      'read-only': 0,
      listable: 0,
      'active-since': null,
      'sip-enabled': 0,
      description: '',
    });
  },
);

test(
  'backend endpoint - moderators get control, restricted guests lose publish permissions',
  T,
  async () => {
    await using backend = await started();
    backend.addUser('owner');
    const room = backend.createRoom({
      owner: 'owner',
      defaultPermissions: AttendeePermissions.custom | AttendeePermissions.chat,
    });
    const owner = backend.joinRoom(room.token, { userId: 'owner' });
    const guest = backend.joinRoom(room.token);
    const join = (sessionid: string, userid = '') =>
      backendRequest(
        backend.url,
        {
          type: 'room',
          room: { version: '1.0', roomid: room.token, userid, sessionid, action: 'join' },
        },
        'the-secret',
      );
    const ownerReply = await join(owner.sessionId, 'owner');
    assert.equal(owner.participantType, ParticipantTypes.owner);
    assert.deepEqual(ownerReply.json.ocs.data.room.permissions, [
      'publish-audio',
      'publish-video',
      'publish-screen',
      'control',
    ]);
    const guestReply = await join(guest.sessionId);
    assert.deepEqual(guestReply.json.ocs.data.room.permissions, []);
  },
);

test(
  'backend endpoint - unknown room, or a session of another room, is no_such_room',
  T,
  async () => {
    await using backend = await started();
    const a = backend.createRoom();
    const b = backend.createRoom();
    const guest = backend.joinRoom(a.token);
    for (const roomid of ['does-not-exist', b.token]) {
      const res = await backendRequest(
        backend.url,
        {
          type: 'room',
          room: { version: '1.0', roomid, sessionid: guest.sessionId, action: 'join' },
        },
        'the-secret',
      );
      assert.deepEqual(res.json.ocs.data, {
        type: 'error',
        error: { code: 'no_such_room', message: 'The user is not invited to this room.' },
      });
    }
  },
);

test('backend endpoint - leave removes the Talk session', T, async () => {
  await using backend = await started();
  const room = backend.createRoom();
  const guest = backend.joinRoom(room.token);
  const res = await backendRequest(
    backend.url,
    {
      type: 'room',
      room: { version: '1.0', roomid: room.token, sessionid: guest.sessionId, action: 'leave' },
    },
    'the-secret',
  );
  assert.equal(res.json.ocs.data.type, 'room');
  assert.equal(backend.session(guest.sessionId), undefined);
});

test(
  'backend endpoint - actor join of an internal session creates the session and joins the call',
  T,
  async () => {
    await using backend = await started();
    backend.addUser('alice');
    const room = backend.createRoom();
    backend.addParticipant(room.token, 'alice');
    const res = await backendRequest(
      backend.url,
      {
        type: 'room',
        room: {
          version: '1.0',
          roomid: room.token,
          sessionid: 'virtual-session-1',
          action: 'join',
          actorid: 'alice',
          actortype: 'users',
          incall: 3,
        },
      },
      'the-secret',
    );
    assert.equal(res.json.ocs.data.type, 'room');
    assert.equal(backend.session('virtual-session-1')?.inCall, 3);
    assert.notEqual(backend.room(room.token)?.activeSince, null);
  },
);

test('backend endpoint - ping updates lastPing and skips "0"', T, async () => {
  await using backend = await started();
  const room = backend.createRoom();
  const guest = backend.joinRoom(room.token);
  const session = backend.session(guest.sessionId);
  assert.ok(session);
  (session as { lastPing: number }).lastPing = 1;
  const res = await backendRequest(
    backend.url,
    {
      type: 'ping',
      ping: {
        version: '1.0',
        roomid: room.token,
        entries: [{ sessionid: guest.sessionId }, { sessionid: '0' }],
      },
    },
    'the-secret',
  );
  assert.deepEqual(res.json.ocs.data, { type: 'room', room: { version: '1.0' } });
  assert.ok((backend.session(guest.sessionId)?.lastPing ?? 0) > 1);
});

test('backend endpoint - session requests get unknown_type like Talk answers them', T, async () => {
  await using backend = await started();
  const body = { type: 'session', session: { version: '1.0', roomid: 'x', action: 'add' } };
  const res = await backendRequest(backend.url, body, 'the-secret');
  assert.equal(res.json.ocs.data.type, 'error');
  assert.equal(res.json.ocs.data.error.code, 'unknown_type');
  assert.match(res.json.ocs.data.error.message, /^The given type .* is not supported\.$/);
});

test(
  'backend endpoint - v1 path and additional secrets are accepted; requests are recorded',
  T,
  async () => {
    await using backend = new DevBackend({ secret: 'primary', additionalSecrets: ['old'] });
    await backend.start();
    const res = await backendRequest(
      backend.url,
      { type: 'ping', ping: { entries: [] } },
      'old',
      'ocs/v2.php/apps/spreed/api/v1/signaling/backend',
    );
    assert.equal(res.json.ocs.data.type, 'room');
    const recorded = await backend.waitForBackendRequest((r) => r.type === 'ping');
    assert.equal(recorded.checksumValid, true);
    assert.equal(recorded.path, '/ocs/v2.php/apps/spreed/api/v1/signaling/backend');
    assert.equal(recorded.headers['ocs-apirequest'], 'true');
    assert.equal(recorded.response?.status, 200);
  },
);
