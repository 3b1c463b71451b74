import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { MAX_PEER_JSON_DEPTH } from '@spreed-ts/protocol';
import { type WebSocket, WebSocketServer } from 'ws';
import { startRoomsEnv } from '../server/helpers/rooms-env.js';

const nested = (depth: number, inner = '1') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

/**
 * A federated "signaling server" that does the handshake properly and then sends what a broken or
 * hostile peer could: JSON nested past the limit (at the top and inside a relayed message),
 * garbage, binary frames, a frame that is not an object. Our server must drop those, keep the
 * local client's session and its federated room, and relay what comes after.
 */
test('federation - hostile frames from the remote server are dropped; the session goes on', {
  timeout: 20_000,
}, async () => {
  const remote = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  remote.on('headers', (headers: string[], _req: IncomingMessage) => {
    headers.push('X-Spreed-Signaling-Features: federation, hello-v2');
  });
  const sockets: WebSocket[] = [];
  remote.on('connection', (socket) => {
    sockets.push(socket);
    socket.send(JSON.stringify({ type: 'welcome', welcome: { features: ['federation'] } }));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { id?: string; type: string };
      if (frame.type === 'hello') {
        socket.send(
          JSON.stringify({
            id: frame.id,
            type: 'hello',
            hello: { version: '2.0', sessionid: 'remote-me', resumeid: 'r-1', userid: 'carol' },
          }),
        );
      } else if (frame.type === 'room') {
        socket.send(JSON.stringify({ id: frame.id, type: 'room', room: { roomid: 'fed' } }));
        const relayed = (data: string) =>
          `{"type":"message","message":{"sender":{"type":"session","sessionid":"remote-bob"},"data":${data}}}`;
        socket.send(nested(30_000));
        socket.send(relayed(nested(MAX_PEER_JSON_DEPTH + 10)));
        // Deep enough to overflow the stack of whoever serialises it again.
        socket.send(relayed(nested(6_000)));
        socket.send('{"type":"message"');
        socket.send('not json at all');
        socket.send('[1,2,3]');
        socket.send(Buffer.from([0xde, 0xad]), { binary: true });
        // The deepest frame a peer may send, then an ordinary one.
        socket.send(relayed(nested(MAX_PEER_JSON_DEPTH - 3)));
        socket.send(relayed('{"n":"after"}'));
      }
    });
  });
  await new Promise((resolve) => remote.once('listening', resolve));
  const address = remote.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  await using env = await startRoomsEnv();
  env.dev.addUser('alice');
  try {
    const alice = await env.hello('alice');
    const id = alice.client.send({
      type: 'room',
      room: {
        roomid: 'fed',
        sessionid: 'talk-fed',
        federation: {
          signaling: `http://127.0.0.1:${port}/`,
          url: 'https://remote.invalid/',
          token: 't',
        },
      },
    });
    const room = await alice.client.next((f) => f.id === id, 5_000);
    assert.equal(room.type, 'room', JSON.stringify(room));
    const deep = await alice.client.next('message', 5_000);
    assert.deepEqual(
      (deep.message as { data: unknown }).data,
      JSON.parse(nested(MAX_PEER_JSON_DEPTH - 3)),
    );
    const after = await alice.client.next('message', 5_000);
    assert.deepEqual((after.message as { data: unknown }).data, { n: 'after' });
    // Nothing else reached the client, the remote connection was kept, the server is fine.
    await alice.client.expectNothing('message', 200);
    assert.equal(alice.client.isClosed, false);
    assert.equal(sockets.length, 1, 'the federation connection was not dropped and redialled');
    assert.equal(env.sig.server.metrics.clientHandlerErrorsTotal.get(), 0);
  } finally {
    for (const socket of sockets) {
      socket.terminate();
    }
    await new Promise((resolve) => remote.close(resolve));
  }
});
