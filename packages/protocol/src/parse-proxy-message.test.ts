import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from './errors.js';
import {
  decodeProxyClientFrame,
  decodeProxyServerFrame,
  UnsupportedProxyMessageError,
} from './parse-proxy-message.js';

test('frames a 0.4.1 signaling server sends to a proxy are accepted as sent', () => {
  const frames = [
    { id: '1', type: 'hello', hello: { version: '1.0', resumeid: '', token: 'a.b.c' } },
    {
      id: '2',
      type: 'command',
      command: { type: 'create-publisher', streamType: 'screen', bitrate: 2097152, mediatypes: 4 },
    },
    {
      id: '3',
      type: 'payload',
      payload: { type: 'offer', clientId: 'c1', payload: { type: 'offer', sdp: 'v=0\r\n' } },
    },
    {
      id: '4',
      type: 'command',
      command: { type: 'create-subscriber', streamType: 'video', publisherId: 'c1' },
    },
    { id: '5', type: 'payload', payload: { type: 'requestoffer', clientId: 'c2' } },
    { id: '6', type: 'payload', payload: { type: 'endOfCandidates', clientId: 'c2' } },
    { id: '7', type: 'command', command: { type: 'delete-subscriber', clientId: 'c2' } },
    { id: '8', type: 'bye', bye: {} },
  ];
  for (const frame of frames) {
    assert.deepEqual(decodeProxyClientFrame(JSON.stringify(frame)), frame);
  }
  assert.deepEqual(decodeProxyClientFrame('{"type":"bye"}'), { type: 'bye' });
});

test('invalid client frames are refused with upstream validation reasons', () => {
  const refused: Array<[unknown, RegExp]> = [
    [{ type: 'hello', hello: { version: '2.0', token: 'x' } }, /unsupported hello version/],
    [{ type: 'hello', hello: { version: '1.0' } }, /token missing/],
    [{ type: 'hello' }, /hello missing/],
    [{ type: 'command', command: { type: 'create-publisher' } }, /stream type missing/],
    [
      { type: 'command', command: { type: 'create-subscriber', streamType: 'video' } },
      /publisher id missing/,
    ],
    [
      {
        type: 'command',
        command: {
          type: 'create-subscriber',
          streamType: 'video',
          publisherId: 'p',
          remoteUrl: 'wss://x/',
        },
      },
      /remote token missing/,
    ],
    [{ type: 'command', command: { type: 'delete-publisher' } }, /client id missing/],
    [{ type: 'payload', payload: { type: 'offer', clientId: 'c' } }, /payload missing/],
    [
      { type: 'payload', payload: { type: 'candidate', clientId: 'c', payload: {} } },
      /payload missing/,
    ],
    [{ type: 'payload', payload: { type: 'requestoffer' } }, /client id missing/],
    [{ type: 'command', command: { type: 'create-publisher', streamType: 5 } }, /must be a string/],
    [{ id: 3, type: 'bye' }, /must be a string/],
    [{}, /type missing/],
    [[], /not a JSON object/],
  ];
  for (const [frame, reason] of refused) {
    assert.throws(
      () => decodeProxyClientFrame(JSON.stringify(frame)),
      reason,
      JSON.stringify(frame),
    );
  }
  assert.throws(() => decodeProxyClientFrame('{'), /not valid JSON/);
  assert.throws(
    () => decodeProxyClientFrame(`${'['.repeat(600)}${']'.repeat(600)}`),
    /nested deeper/,
  );
  assert.throws(
    () => decodeProxyClientFrame('{"id":"9","type":"frobnicate"}'),
    (e: unknown) =>
      e instanceof UnsupportedProxyMessageError &&
      e.messageId === '9' &&
      e instanceof ProtocolError,
  );
});

test('frames a 0.4.1 proxy sends are decoded, with acknowledgements carrying a null payload', () => {
  const frames = [
    {
      id: '1',
      type: 'hello',
      hello: { version: '1.0', sessionid: 's', server: { version: 'unreleased' } },
    },
    { type: 'event', event: { type: 'update-load' } },
    { type: 'event', event: { type: 'update-load', load: 3 } },
    { id: '2', type: 'command', command: { id: 'c1' } },
    {
      id: '3',
      type: 'payload',
      payload: { type: 'offer', clientId: 'c1', payload: { type: 'answer', sdp: 'v=0' } },
    },
    { id: '4', type: 'payload', payload: { type: 'candidate', clientId: 'c1', payload: null } },
    { type: 'event', event: { type: 'publisher-closed', clientId: 'c1' } },
    {
      id: '5',
      type: 'error',
      error: { code: 'unknown_client', message: 'Unknown client id given.' },
    },
    { type: 'bye', bye: { reason: 'session_resumed' } },
    {
      type: 'event',
      event: { type: 'update-load', load: 10, bandwidth: { incoming: 1.5, received: 1000 } },
    },
  ];
  for (const frame of frames) {
    assert.deepEqual(decodeProxyServerFrame(JSON.stringify(frame)), frame);
  }
  assert.deepEqual(
    decodeProxyServerFrame('{"type":"payload","payload":{"type":"answer","clientId":"c"}}'),
    {
      type: 'payload',
      payload: { type: 'answer', clientId: 'c', payload: null },
    },
  );
  assert.throws(
    () => decodeProxyServerFrame('{"type":"hello","hello":{"version":"1.0"}}'),
    /sessionid missing/,
  );
  assert.throws(
    () => decodeProxyServerFrame('{"type":"event","event":{"type":"update-load","load":"x"}}'),
    /must be a number/,
  );
  assert.throws(
    () => decodeProxyServerFrame('{"type":"payload","payload":{"type":"x","payload":[1]}}'),
    /must be an object/,
  );
  assert.throws(() => decodeProxyServerFrame('{"type":"nope"}'), /unknown message type/);
});
