import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SfuTimeoutError } from '@spreed-ts/server';
import { withTimeoutClosing } from './replies.js';

/** Something the SFU creates, recording whether it was closed. */
class Created {
  closed = false;
  async close(): Promise<void> {
    this.closed = true;
  }
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('replies - an object created after the deadline is closed, not leaked', async () => {
  const late = new Created();
  const creating = tick(60).then(() => late);
  await assert.rejects(withTimeoutClosing(creating, 10, 'creating publisher'), SfuTimeoutError);
  assert.equal(late.closed, false);
  await creating;
  await tick(0);
  assert.equal(late.closed, true);
});

test('replies - in time: the object is handed over open; failures pass through', async () => {
  const ready = new Created();
  assert.equal(await withTimeoutClosing(Promise.resolve(ready), 50, 'x'), ready);
  assert.equal(ready.closed, false);
  await assert.rejects(
    withTimeoutClosing(Promise.reject(new Error('janus said no')), 50, 'x'),
    /janus said no/,
  );
  // A creation that fails after the deadline is not an unhandled rejection.
  const failing = tick(30).then(() => {
    throw new Error('late failure');
  });
  await assert.rejects(withTimeoutClosing(failing, 5, 'x'), SfuTimeoutError);
  await tick(50);
});
