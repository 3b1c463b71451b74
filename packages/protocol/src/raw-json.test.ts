import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawMemberText } from './raw-json.js';

/** The raw text found must parse to exactly what JSON.parse put at that path. */
function agrees(json: string, path: string[]): void {
  const raw = rawMemberText(json, path);
  let expected: unknown = JSON.parse(json);
  for (const key of path) {
    expected = (expected as Record<string, unknown>)[key];
  }
  assert.notEqual(raw, undefined, json);
  assert.deepEqual(JSON.parse(raw as string), expected, json);
}

test('finds nested members in compact and spaced JSON', () => {
  const docs = [
    '{"type":"message","message":{"recipient":{"type":"session","sessionid":"a"},"data":{"p":"x","t":1}}}',
    ' { "type" : "message" ,\n "message" : { "data" : [1, 2, {"a":"}"}] , "recipient":{} } } ',
    '{"message":{"data":"a string with \\"quotes\\" and \\\\ backslash\\\\"}}',
    '{"message":{"data":12.5e3}}',
    '{"message":{"data":true}}',
    '{"message":{"data":null,"x":1}}',
    '{"message":{"x":{"data":"nested, not this"},"data":{"y":"[{"}}}',
    '{"message":{"data":"\\u0041\\n"}}',
  ];
  for (const doc of docs) {
    agrees(doc, ['message', 'data']);
  }
});

test('a repeated key yields its last value, like JSON.parse', () => {
  agrees('{"message":{"data":1,"data":{"second":true}}}', ['message', 'data']);
  agrees('{"message":{"data":1},"message":{"data":2}}', ['message', 'data']);
});

test('absent members and escaped keys give undefined', () => {
  assert.equal(rawMemberText('{"message":{"recipient":{}}}', ['message', 'data']), undefined);
  assert.equal(rawMemberText('{"message":[1]}', ['message', 'data']), undefined);
  assert.equal(rawMemberText('{"message":{"d\\u0061ta":1}}', ['message', 'data']), undefined);
  assert.equal(rawMemberText('[]', ['message']), undefined);
});

test('random documents agree with JSON.parse', () => {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const value = (depth: number): unknown => {
    const r = rnd();
    if (depth > 3 || r < 0.3) {
      return ['a"b', 'c\\', '}{][,:', 1.5, -2, true, false, null, 'é😀'][Math.floor(rnd() * 9)];
    }
    if (r < 0.6) {
      return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    }
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < Math.floor(rnd() * 4); i++) {
      obj[['data', 'x', 'y"z', 'message'][Math.floor(rnd() * 4)] as string] = value(depth + 1);
    }
    return obj;
  };
  for (let i = 0; i < 500; i++) {
    const doc = { message: { recipient: value(2), data: value(1) } };
    const text = JSON.stringify(doc, null, i % 2 === 0 ? undefined : 1);
    agrees(text, ['message', 'data']);
  }
});
