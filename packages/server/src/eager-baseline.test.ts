import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapStatistics } from 'node:v8';
import { enableEagerBaseline } from './eager-baseline.js';

test('eager baseline - an operator sparkplug option wins, otherwise it is turned on', () => {
  assert.equal(enableEagerBaseline(['--no-always-sparkplug'], ''), false);
  assert.equal(enableEagerBaseline([], '--max-old-space-size=512 --no-sparkplug'), false);
  assert.equal(enableEagerBaseline(['--max-old-space-size=512'], ''), true);
  // The process goes on running normally with the flag set.
  assert.ok(getHeapStatistics().used_heap_size > 0);
});
