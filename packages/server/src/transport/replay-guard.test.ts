import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplayGuard } from './replay-guard.js';

test('replay guard - a random is admitted once within the window, again after it', () => {
  let now = 1_000;
  const guard = new ReplayGuard({ windowMs: 100, now: () => now });
  assert.equal(guard.admit('a'), true);
  assert.equal(guard.admit('a'), false);
  assert.equal(guard.admit('b'), true);
  now += 99;
  assert.equal(guard.admit('a'), false);
  now += 1;
  // Expired entries are dropped as time passes.
  assert.equal(guard.admit('c'), true);
  assert.equal(guard.size, 1);
  assert.equal(guard.admit('a'), true);
});

test('replay guard - forget lets a retry with the same random through', () => {
  const guard = new ReplayGuard();
  assert.equal(guard.admit('r'), true);
  guard.forget('r');
  assert.equal(guard.admit('r'), true);
  assert.equal(guard.admit('r'), false);
});

test('replay guard - memory is bounded: the oldest randoms go first', () => {
  const guard = new ReplayGuard({ capacity: 3 });
  for (const r of ['1', '2', '3', '4']) {
    assert.equal(guard.admit(r), true);
  }
  assert.equal(guard.size, 3);
  assert.equal(guard.admit('4'), false);
  assert.equal(guard.admit('2'), false);
  // '1' was evicted to make room for '4'.
  assert.equal(guard.admit('1'), true);
  assert.equal(guard.size, 3);
});
