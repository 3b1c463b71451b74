import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { type ClientErrorReason, isClientError, TalkClient } from '@spreed-ts/client';
import { AttendeePermissions } from '@spreed-ts/devbackend';
import { FAST, startTalkEnv } from './helpers/talk-env.js';

async function rejectsWith(promise: Promise<unknown>, reason: ClientErrorReason): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isClientError(error), `expected a ClientError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

test('errors - wrong URL, unreachable server, not a Nextcloud', { timeout: 20_000 }, async () => {
  await rejectsWith(TalkClient.join('https://cloud.example.com/apps/files/'), 'wrong_url');
  await rejectsWith(TalkClient.join('not a url'), 'wrong_url');
  // A port nobody listens on.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  await rejectsWith(TalkClient.join(`http://127.0.0.1:${port}/call/abcdefgh`), 'unreachable');
  // Something that answers, but is not Nextcloud.
  const other = createServer((_req, res) => res.end('<html><body>hello</body></html>'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    const { port: p } = other.address() as AddressInfo;
    await rejectsWith(TalkClient.join(`http://127.0.0.1:${p}/call/abcdefgh`), 'not_talk');
  } finally {
    await new Promise((resolve) => other.close(resolve));
  }
});

test('errors - unknown room is room_not_found', { timeout: 20_000 }, async () => {
  await using env = await startTalkEnv();
  await rejectsWith(TalkClient.join(`${env.dev.url}call/doesnotexist`, FAST), 'room_not_found');
});

test('errors - password rooms: missing, wrong, right', { timeout: 20_000 }, async () => {
  await using env = await startTalkEnv();
  const { url } = env.createRoom({ password: 'sesame' });
  await rejectsWith(TalkClient.join(url, FAST), 'password_required');
  await rejectsWith(TalkClient.join(url, { ...FAST, password: 'wrong' }), 'wrong_password');
  const client = await env.join({ password: 'sesame', name: 'Guest' }, url);
  assert.equal(client.room.actorType, 'guests');
});

test('errors - lobby, read-only and missing chat permission', { timeout: 30_000 }, async () => {
  await using env = await startTalkEnv();
  const lobby = env.createRoom({ lobby: true });
  const inLobby = await env.join({ name: 'Waiting' }, lobby.url);
  await rejectsWith(inLobby.chat.send('let me in'), 'lobby');
  await rejectsWith(inLobby.joinCall({ audio: false }), 'lobby');

  const readOnly = env.createRoom({ readOnly: true });
  const reader = await env.join({ name: 'Reader' }, readOnly.url);
  await rejectsWith(reader.chat.send('hello?'), 'read_only');
  await rejectsWith(reader.joinCall({ audio: false }), 'read_only');

  const mute = env.createRoom({
    defaultPermissions:
      AttendeePermissions.custom | AttendeePermissions.joinCall | AttendeePermissions.startCall,
  });
  const silent = await env.join({ name: 'Silent' }, mute.url);
  await rejectsWith(silent.chat.send('hello?'), 'no_permission');
});

test('errors - users: wrong app password is unauthorized, the right one joins as the user', {
  timeout: 20_000,
}, async () => {
  await using env = await startTalkEnv();
  env.dev.addUser('alice', { displayName: 'Alice A.', appPassword: 'app-pass' });
  await rejectsWith(
    TalkClient.join(env.roomUrl, { ...FAST, user: 'alice', appPassword: 'nope' }),
    'unauthorized',
  );
  const alice = await env.join({ user: 'alice', appPassword: 'app-pass' });
  assert.equal(alice.room.actorType, 'users');
  assert.equal(alice.actorId, 'alice');
  assert.equal(alice.signaling?.session?.userId, 'alice');
  assert.equal(alice.displayName, 'Alice A.');
});

test('errors - end-to-end encrypted calls are refused before joining', {
  timeout: 20_000,
}, async () => {
  await using env = await startTalkEnv();
  // Turn on config.call.end-to-end-encryption in the capabilities the client sees.
  const e2eeFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!String(input).includes('/cloud/capabilities')) {
      return response;
    }
    const body = (await response.json()) as {
      ocs: { data: { capabilities: { spreed: { config: { call: Record<string, unknown> } } } } };
    };
    body.ocs.data.capabilities.spreed.config.call['end-to-end-encryption'] = true;
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
    });
  };
  await rejectsWith(
    TalkClient.join(env.roomUrl, { ...FAST, fetch: e2eeFetch }),
    'e2ee_unsupported',
  );
  // Nothing was joined.
  assert.equal(env.dev.sessions(env.token).length, 0);
});
