import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
import type { SignalingSettings } from '../http/talk-types.js';
import { ClientError } from '../util/client-error.js';
import { SignalingConnection } from './signaling-connection.js';

type Frame = Record<string, unknown> & { id?: string; type: string };

/** A scripted signaling server: records frames and answers with `script`. */
async function scriptedServer(
  script: (frame: Frame, socket: WebSocket, connection: number) => void,
  welcomeFeatures: string[] = ['hello-v2', 'chat-relay', 'welcome'],
) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const frames: Array<{ connection: number; frame: Frame }> = [];
  let connections = 0;
  wss.on('connection', (socket) => {
    const connection = ++connections;
    socket.send(
      JSON.stringify({ type: 'welcome', welcome: { version: 'test', features: welcomeFeatures } }),
    );
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      frames.push({ connection, frame });
      if (frame.type === 'bye') {
        socket.send(JSON.stringify({ id: frame.id, type: 'bye' }));
        return;
      }
      script(frame, socket, connection);
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    frames,
    get connections() {
      return connections;
    },
    dropAll() {
      for (const client of wss.clients) {
        client.terminate();
      }
    },
    async [Symbol.asyncDispose]() {
      for (const client of wss.clients) {
        client.terminate();
      }
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

function settingsFor(url: string, token = 'jwt-1'): SignalingSettings {
  return {
    signalingMode: 'external',
    userId: null,
    server: url,
    ticket: 'ticket-1',
    helloAuthParams: { '1.0': { userid: null, ticket: 'ticket-1' }, '2.0': { token } },
    stunServers: [],
    turnServers: [],
    raw: {},
  };
}

const reply = (socket: WebSocket, frame: Frame, body: Record<string, unknown>) =>
  socket.send(JSON.stringify({ id: frame.id, ...body }));

const helloOk = (sessionid: string) => ({
  type: 'hello',
  hello: { version: '2.0', sessionid, resumeid: `resume-${sessionid}`, userid: '' },
});

test('signaling - hello v2 with chat-relay when offered, auth url from the Nextcloud base URL', {
  timeout: 10_000,
}, async () => {
  await using server = await scriptedServer((frame, socket) => {
    if (frame.type === 'hello') {
      reply(socket, frame, helloOk('s1'));
    }
  });
  const conn = new SignalingConnection({
    backendUrl: 'https://cloud.example.com/nc/',
    fetchSettings: async () => settingsFor(server.url),
  });
  const session = await conn.connect();
  assert.equal(session.sessionId, 's1');
  assert.equal(session.resumed, false);
  assert.deepEqual(server.frames[0]?.frame.hello, {
    version: '2.0',
    features: ['chat-relay'],
    auth: {
      url: 'https://cloud.example.com/nc/ocs/v2.php/apps/spreed/api/v3/signaling/backend',
      params: { token: 'jwt-1' },
    },
  });
  await conn.close();
  assert.equal(server.frames.at(-1)?.frame.type, 'bye');
});

test('signaling - hello v1 with the ticket when the server lacks hello-v2', {
  timeout: 10_000,
}, async () => {
  await using server = await scriptedServer(
    (frame, socket) => {
      if (frame.type === 'hello') {
        reply(socket, frame, helloOk('s1'));
      }
    },
    ['welcome'],
  );
  const conn = new SignalingConnection({
    backendUrl: 'http://127.0.0.1/',
    fetchSettings: async () => settingsFor(server.url),
  });
  await conn.connect();
  const hello = server.frames[0]?.frame.hello as Record<string, unknown>;
  assert.equal(hello.version, '1.0');
  assert.equal(hello.features, undefined);
  assert.deepEqual((hello.auth as Record<string, unknown>).params, {
    userid: null,
    ticket: 'ticket-1',
  });
  await conn.close();
});

test('signaling - reconnects and resumes; a failed resume starts a new session with fresh settings', {
  timeout: 10_000,
}, async () => {
  let known = new Set<string>();
  let next = 1;
  await using server = await scriptedServer((frame, socket) => {
    if (frame.type !== 'hello') {
      return;
    }
    const hello = frame.hello as { resumeid?: string };
    if (hello.resumeid !== undefined) {
      if (known.has(hello.resumeid)) {
        reply(socket, frame, {
          type: 'hello',
          hello: {
            version: '2.0',
            sessionid: hello.resumeid.slice(7),
            resumeid: hello.resumeid,
            userid: '',
          },
        });
      } else {
        reply(socket, frame, {
          type: 'error',
          error: { code: 'no_such_session', message: 'The session to resume does not exist.' },
        });
      }
      return;
    }
    const id = `s${next++}`;
    known.add(`resume-${id}`);
    reply(socket, frame, helloOk(id));
  });
  let fetches = 0;
  const conn = new SignalingConnection({
    backendUrl: 'http://127.0.0.1/',
    fetchSettings: async () => settingsFor(server.url, `jwt-${++fetches}`),
    backoff: { initialMs: 10, maxMs: 20 },
  });
  const statuses: string[] = [];
  void (async () => {
    for await (const status of conn.status()) {
      statuses.push(status.type);
    }
  })();
  await conn.connect();
  assert.equal(fetches, 1);
  // 1. Socket dropped: resumed with the same session.
  const resumed = once(conn, 'connected');
  server.dropAll();
  const [first] = (await resumed) as [{ sessionId: string; resumed: boolean }];
  assert.deepEqual([first.sessionId, first.resumed], ['s1', true]);
  assert.equal(fetches, 1, 'a resume needs no new settings');
  // 2. The server forgot us: a new session, with a fresh token.
  known = new Set();
  const fresh = once(conn, 'connected');
  server.dropAll();
  const [second] = (await fresh) as [{ sessionId: string; resumed: boolean }];
  assert.deepEqual([second.sessionId, second.resumed], ['s2', false]);
  assert.equal(fetches, 2);
  const lastHello = server.frames.filter((f) => f.frame.type === 'hello').at(-1)?.frame
    .hello as Record<string, unknown>;
  assert.deepEqual((lastHello.auth as Record<string, unknown>).params, { token: 'jwt-2' });
  await conn.close();
  assert.deepEqual(statuses.slice(0, 4), [
    'connecting',
    'connected',
    'disconnected',
    'reconnecting',
  ]);
  assert.equal(statuses.at(-1), 'closed');
});

test('signaling - room join is awaited; already_joined counts as joined; errors are typed', {
  timeout: 10_000,
}, async () => {
  await using server = await scriptedServer((frame, socket) => {
    if (frame.type === 'hello') {
      reply(socket, frame, helloOk('s1'));
    } else if (frame.type === 'room') {
      const room = frame.room as { roomid: string; sessionid: string };
      if (room.roomid === 'joined') {
        reply(socket, frame, {
          type: 'error',
          error: { code: 'already_joined', message: 'x', details: { room: { roomid: 'joined' } } },
        });
      } else if (room.roomid === 'nope') {
        reply(socket, frame, {
          type: 'error',
          error: { code: 'no_such_room', message: 'The user is not invited to this room.' },
        });
      } else {
        reply(socket, frame, {
          type: 'room',
          room: { roomid: room.roomid, properties: { name: 'R' } },
        });
      }
    } else if (frame.type === 'message') {
      reply(socket, frame, {
        type: 'error',
        error: { code: 'not_allowed', message: 'Not allowed to request offer.' },
      });
    }
  });
  const conn = new SignalingConnection({
    backendUrl: 'http://127.0.0.1/',
    fetchSettings: async () => settingsFor(server.url),
  });
  await conn.connect();
  const room = await conn.joinRoom('abc', 'nc-session');
  assert.deepEqual(room.properties, { name: 'R' });
  assert.deepEqual(server.frames.at(-1)?.frame.room, { roomid: 'abc', sessionid: 'nc-session' });
  assert.equal((await conn.joinRoom('joined', 'x')).roomid, 'joined');
  await assert.rejects(conn.joinRoom('nope', 'x'), (error: unknown) => {
    assert.ok(error instanceof ClientError);
    assert.equal(error.reason, 'signaling');
    assert.match(error.message, /no_such_room/);
    return true;
  });
  const refused = once(conn, 'messageError');
  conn.sendMessage('other', { type: 'requestoffer', roomType: 'video' });
  const [error, data] = (await refused) as [{ code: string }, Record<string, unknown>];
  assert.equal(error.code, 'not_allowed');
  assert.deepEqual(data, { type: 'requestoffer', roomType: 'video' });
  await conn.close();
});
