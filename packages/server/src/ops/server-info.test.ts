import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend } from '../backend/backend-registry.js';
import { ClientSession } from '../hub/client-session.js';
import type { ClientConnection } from '../transport/client-connection.js';
import { goIndentedJson } from './http-replies.js';
import { serverInfo, statsBody } from './server-info.js';

function session(publicId: string, clientType: 'client' | 'internal', features: string[]) {
  return new ClientSession({
    publicId,
    privateId: `p-${publicId}`,
    clientType,
    backend: { id: 'nc' } as Backend,
    backendUrl: 'https://nc.invalid/',
    userId: '',
    user: undefined,
    features,
  });
}

test('serverinfo - version, features, dial-out sessions and the loopback bus in upstream order', () => {
  const bridge = session('bridge', 'internal', ['start-dialout']);
  bridge.attach({
    isOpen: true,
    remoteAddress: '192.0.2.1',
    userAgent: 'nextcloud-talk-sipbridge/1.2.3 (node)',
  } as unknown as ClientConnection);
  const gone = session('gone', 'internal', ['start-dialout']);
  const info = serverInfo({
    version: '2.1.1',
    features: ['a', 'b'],
    sessions: [
      session('c', 'client', ['start-dialout']),
      session('i', 'internal', []),
      bridge,
      gone,
    ],
  });
  assert.deepEqual(Object.keys(info), ['version', 'features', 'dialout', 'nats']);
  assert.deepEqual(info.dialout, [
    {
      sessionid: 'bridge',
      connected: true,
      address: '192.0.2.1',
      useragent: 'nextcloud-talk-sipbridge/1.2.3 (node)',
      version: '1.2.3',
      features: ['start-dialout'],
    },
    { sessionid: 'gone', connected: false },
  ]);
  assert.deepEqual(info.nats, {
    urls: ['nats://loopback'],
    connected: true,
    serverurl: 'nats://loopback',
  });
  const withSfu = serverInfo({
    version: 'v',
    features: [],
    sessions: [],
    sfu: () => ({ mode: 'janus' }),
    nats: () => undefined,
  });
  assert.deepEqual(withSfu, { version: 'v', features: [], sfu: { mode: 'janus' } });
});

test('stats - sorted keys, indented like Go, HTML characters escaped', () => {
  assert.equal(goIndentedJson(statsBody(2, 5, undefined)), '{\n  "rooms": 2,\n  "sessions": 5\n}');
  assert.deepEqual(Object.keys(statsBody(0, 0, { publishers: 1 })), ['mcu', 'rooms', 'sessions']);
  assert.equal(goIndentedJson({ a: '<&>' }), '{\n  "a": "\\u003c\\u0026\\u003e"\n}');
});
