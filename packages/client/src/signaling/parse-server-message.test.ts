import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '@spreed-ts/protocol';
import { parseServerMessage } from './parse-server-message.js';

test('parseServerMessage - the frames a client handles', () => {
  assert.deepEqual(parseServerMessage('{"type":"welcome","welcome":{"features":["mcu"]}}'), {
    type: 'welcome',
    welcome: { features: ['mcu'] },
  });
  const hello = parseServerMessage(
    '{"id":"1","type":"hello","hello":{"version":"2.0","sessionid":"s","resumeid":"r","userid":""}}',
  );
  assert.equal(hello?.type, 'hello');
  // A client bye is answered without a body.
  assert.deepEqual(parseServerMessage('{"id":"5","type":"bye"}'), {
    id: '5',
    type: 'bye',
    bye: {},
  });
  assert.equal(parseServerMessage('{"type":"somethingnew","somethingnew":{}}'), undefined);
});

test('parseServerMessage - names the bad field', () => {
  const bad: Array<[string, RegExp]> = [
    ['nope', /not JSON/],
    ['[]', /no type/],
    ['{"type":"hello"}', /without hello object/],
    ['{"type":"hello","hello":{"resumeid":"r"}}', /hello.sessionid/],
    ['{"type":"error","error":{}}', /error.code/],
    ['{"type":"event","event":{"target":"room"}}', /event.type/],
    ['{"id":1,"type":"room","room":{"roomid":""}}', /id must be a string/],
  ];
  for (const [text, message] of bad) {
    assert.throws(
      () => parseServerMessage(text),
      (e: unknown) => e instanceof ProtocolError && message.test(e.message),
      text,
    );
  }
});
