import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Throttler } from './throttle.js';

test('throttle - delays double from 100 ms, ten failures within 30 minutes block', async () => {
  let now = 1_000_000;
  const slept: number[] = [];
  const throttler = new Throttler(
    () => now,
    async (ms) => {
      slept.push(ms);
    },
  );
  for (let i = 0; i < 10; i++) {
    const check = throttler.check('192.0.2.1', 'HelloResume');
    assert.equal(check.blocked, false);
    if (!check.blocked) {
      await check.fail();
    }
    now += 1000;
  }
  assert.deepEqual(slept, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25000, 25000]);
  assert.equal(throttler.check('192.0.2.1', 'HelloResume').blocked, true);
  assert.equal(throttler.check('192.0.2.2', 'HelloResume').blocked, false);
  assert.equal(throttler.check('192.0.2.1', 'HelloInternal').blocked, false);
  now += 31 * 60_000;
  assert.equal(throttler.check('192.0.2.1', 'HelloResume').blocked, false);
});

test('throttle - IPv6 addresses share a /64', () => {
  assert.equal(Throttler.keyFor('2001:db8:1:2::5'), Throttler.keyFor('2001:db8:1:2:ffff::1'));
  assert.notEqual(Throttler.keyFor('2001:db8:1:2::5'), Throttler.keyFor('2001:db8:1:3::5'));
  assert.equal(Throttler.keyFor('::ffff:192.0.2.1'), '192.0.2.1');
});
