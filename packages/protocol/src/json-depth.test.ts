import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  exceedsJsonDepth,
  JsonDepthError,
  MAX_JSON_DEPTH,
  MAX_PEER_JSON_DEPTH,
  parseJsonBounded,
} from './json-depth.js';

/** `depth` nested arrays around `inner`, e.g. nested(2, '1') = `[[1]]`. */
function nested(depth: number, inner = ''): string {
  return `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
}

/** Depth of a decoded value, walked without recursion (the reference for the scanner). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v === 'object' && v !== null) {
      max = Math.max(max, d + 1);
      for (const child of Object.values(v)) {
        stack.push([child, d + 1]);
      }
    }
  }
  return max;
}

test('the limit is inclusive: depth N passes, N+1 does not', () => {
  for (const limit of [1, 2, 5, 64, MAX_JSON_DEPTH]) {
    // Padding defeats the short-text shortcut so the scanner itself decides.
    const pad = ' '.repeat(4 * limit);
    assert.equal(exceedsJsonDepth(nested(limit, pad), limit), false, `depth ${limit}`);
    assert.equal(exceedsJsonDepth(nested(limit + 1, pad), limit), true, `depth ${limit + 1}`);
  }
});

test('objects and arrays both count; siblings do not add up', () => {
  const doc = '{"a":{"b":[{"c":1}]},"d":[[1],[2],[3]],"e":{"f":{"g":{}}}}';
  const padded = `${doc}${' '.repeat(100)}`;
  assert.equal(depthOf(JSON.parse(doc)), 4);
  assert.equal(exceedsJsonDepth(padded, 4), false);
  assert.equal(exceedsJsonDepth(padded, 3), true);
  const wide = `[${Array.from({ length: 5000 }, () => '[1]').join(',')}]`;
  assert.equal(exceedsJsonDepth(wide, 2), false);
  assert.equal(exceedsJsonDepth(wide, 1), true);
});

test('brackets inside strings, with escaped quotes and backslashes, are not counted', () => {
  const strings = [
    `"${'['.repeat(600)}"`,
    `{"k":"\\"${'{'.repeat(600)}\\""}`,
    `["\\\\", "${'['.repeat(600)}"]`,
    `{"a\\\\\\"[[[[":"${']'.repeat(300)}${'['.repeat(300)}"}`,
  ];
  for (const doc of strings) {
    const depth = depthOf(JSON.parse(doc));
    assert.equal(exceedsJsonDepth(doc, depth), false, doc.slice(0, 40));
    if (depth > 1) {
      assert.equal(exceedsJsonDepth(doc, depth - 1), true, doc.slice(0, 40));
    }
  }
});

test('agrees with the decoded depth on random documents', () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const gen = (budget: number): unknown => {
    const kind = budget <= 0 ? rand(3) : rand(6);
    switch (kind) {
      case 0:
        return rand(1000) / 7;
      case 1:
        return ['x', '"[', '{\\', ']]"', '\\"}'][rand(5)];
      case 2:
        return null;
      case 3:
      case 4:
        return Array.from({ length: rand(4) }, () => gen(budget - 1 - rand(3)));
      default:
        return Object.fromEntries(
          Array.from({ length: rand(4) }, (_, i) => [`k${i}[`, gen(budget - 1 - rand(3))]),
        );
    }
  };
  for (let i = 0; i < 500; i++) {
    const value = gen(12);
    const text = JSON.stringify(value, null, rand(2) === 0 ? undefined : 2);
    const depth = depthOf(value);
    assert.equal(exceedsJsonDepth(text, depth), false, text);
    if (depth > 0 && text.length > 2 * (depth - 1)) {
      assert.equal(exceedsJsonDepth(text, depth - 1), true, text);
    }
  }
});

test('parseJsonBounded refuses deep documents before parsing and parses the rest', () => {
  assert.deepEqual(parseJsonBounded('{"a":[1,{"b":2}]}'), { a: [1, { b: 2 }] });
  assert.deepEqual(parseJsonBounded(nested(MAX_JSON_DEPTH)), JSON.parse(nested(MAX_JSON_DEPTH)));
  assert.throws(() => parseJsonBounded(nested(MAX_JSON_DEPTH + 1)), JsonDepthError);
  assert.throws(() => parseJsonBounded(nested(100_000)), JsonDepthError);
  assert.doesNotThrow(() => parseJsonBounded(nested(MAX_JSON_DEPTH + 1), MAX_PEER_JSON_DEPTH));
  assert.throws(() => parseJsonBounded(nested(MAX_PEER_JSON_DEPTH + 1), MAX_PEER_JSON_DEPTH));
  assert.throws(() => parseJsonBounded('{"a":'), SyntaxError);
  // Unbalanced text: still never parsed into a value.
  assert.throws(() => parseJsonBounded('['.repeat(200)), SyntaxError);
  assert.throws(() => parseJsonBounded('['.repeat(5000)), JsonDepthError);
});

test('every value that passes the peer limit can be serialised again (stack safety)', () => {
  const deepArray = JSON.parse(nested(MAX_PEER_JSON_DEPTH, '1'));
  const deepObject = JSON.parse(
    `${'{"a":'.repeat(MAX_PEER_JSON_DEPTH)}1${'}'.repeat(MAX_PEER_JSON_DEPTH)}`,
  );
  assert.equal(JSON.stringify(deepArray).length, 2 * MAX_PEER_JSON_DEPTH + 1);
  assert.ok(JSON.stringify(deepObject).length > MAX_PEER_JSON_DEPTH);
});
