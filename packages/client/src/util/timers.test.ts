import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff, withTimeout } from './timers.js';

test('Backoff - 1 s doubling to 16 s, jitter within ±50 %, reset', () => {
  const exact = new Backoff({ random: () => 0.5 });
  assert.deepEqual(
    Array.from({ length: 7 }, () => exact.next()),
    [1000, 2000, 4000, 8000, 16000, 16000, 16000],
  );
  exact.reset();
  assert.equal(exact.next(), 1000);
  const low = new Backoff({ random: () => 0 });
  assert.equal(low.next(), 500);
  const high = new Backoff({ random: () => 0.999999 });
  assert.ok(high.next() <= 1500);
});

test('withTimeout - rejects with a timeout ClientError', async () => {
  await assert.rejects(
    withTimeout(new Promise(() => undefined), 10, 'nothing'),
    /timed out after 10 ms/,
  );
  assert.equal(await withTimeout(Promise.resolve(7), 1000, 'x'), 7);
});
