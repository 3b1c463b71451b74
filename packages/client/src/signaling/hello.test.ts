import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignalingError } from '@spreed-ts/protocol';
import type { SignalingSettings } from '../http/talk-types.js';
import { ClientError } from '../util/client-error.js';
import { buildHello, isFatalConnectFailure } from './hello.js';

const settings: SignalingSettings = {
  signalingMode: 'external',
  userId: 'alice',
  server: 'https://h/signaling/',
  ticket: 'tk',
  helloAuthParams: { '1.0': { userid: 'alice', ticket: 'tk' }, '2.0': { token: 'jwt' } },
  stunServers: [],
  turnServers: [],
  raw: {},
};

test('buildHello - v2 when the server has hello-v2, features only when offered', () => {
  assert.deepEqual(buildHello(settings, ['hello-v2', 'chat-relay'], 'https://h/nc/'), {
    version: '2.0',
    features: ['chat-relay'],
    auth: {
      url: 'https://h/nc/ocs/v2.php/apps/spreed/api/v3/signaling/backend',
      params: { token: 'jwt' },
    },
  });
  assert.deepEqual(buildHello(settings, ['chat-relay'], 'https://h/'), {
    version: '1.0',
    features: ['chat-relay'],
    auth: {
      url: 'https://h/ocs/v2.php/apps/spreed/api/v3/signaling/backend',
      params: { userid: 'alice', ticket: 'tk' },
    },
  });
  const noV2 = { ...settings, helloAuthParams: {} };
  assert.deepEqual(buildHello(noV2, ['hello-v2'], 'https://h/').auth.params, {
    userid: 'alice',
    ticket: 'tk',
  });
});

test('isFatalConnectFailure - auth problems stop reconnecting, network trouble does not', () => {
  const refused = (code: string) =>
    new ClientError('signaling', code, { cause: new SignalingError(code, code) });
  assert.equal(isFatalConnectFailure(refused('invalid_backend')), true);
  assert.equal(isFatalConnectFailure(refused('too_many_requests')), false);
  assert.equal(isFatalConnectFailure(refused('token_expired')), false);
  assert.equal(isFatalConnectFailure(new ClientError('room_not_found', 'x')), true);
  assert.equal(isFatalConnectFailure(new ClientError('unreachable', 'x')), false);
});
