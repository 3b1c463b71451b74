import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Scheduler } from './scheduler.js';
import { nanosToMillis, TransientData } from './transient-data.js';

/** A scheduler driven by hand: `advance(ms)` runs what became due. */
function manualScheduler() {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  const scheduler: Scheduler = {
    after(ms, fn) {
      const timer = { at: now + ms, fn, live: true };
      timers.push(timer);
      return () => {
        timer.live = false;
      };
    },
    every() {
      throw new Error('not used');
    },
  };
  return {
    scheduler,
    pending: () => timers.filter((t) => t.live).length,
    advance(ms: number) {
      now += ms;
      const due = timers.filter((t) => t.live && t.at <= now);
      timers = timers.filter((t) => !due.includes(t));
      for (const t of due) {
        t.live = false;
        t.fn();
      }
    },
  };
}

function listener() {
  const frames: unknown[] = [];
  return { frames, sendText: (text: string) => frames.push(JSON.parse(text)) };
}

test('transient data - set, change, remove notify listeners with old values', () => {
  const data = new TransientData(manualScheduler().scheduler);
  const l = listener();
  data.addListener(l);
  assert.equal(data.set('k', { a: 1 }), true);
  assert.equal(data.set('k', { a: 2 }), true);
  assert.equal(data.remove('k'), true);
  assert.equal(data.remove('k'), false);
  assert.deepEqual(l.frames, [
    { type: 'transient', transient: { type: 'set', key: 'k', value: { a: 1 } } },
    {
      type: 'transient',
      transient: { type: 'set', key: 'k', oldvalue: { a: 1 }, value: { a: 2 } },
    },
    { type: 'transient', transient: { type: 'remove', key: 'k', oldvalue: { a: 2 } } },
  ]);
});

test('transient data - an equal value is a no-op, null removes, a new listener gets initial data', () => {
  const data = new TransientData(manualScheduler().scheduler);
  const l = listener();
  data.addListener(l);
  data.set('k', { b: [1, 2], a: 'x' });
  assert.equal(data.set('k', { a: 'x', b: [1, 2] }), false);
  assert.equal(l.frames.length, 1);
  data.set('other', 5);
  const late = listener();
  data.addListener(late);
  assert.deepEqual(late.frames, [
    {
      type: 'transient',
      transient: { type: 'initial', data: { k: { b: [1, 2], a: 'x' }, other: 5 } },
    },
  ]);
  assert.equal(data.set('other', null), true);
  assert.equal(data.get('other'), undefined);
  const empty = new TransientData(manualScheduler().scheduler);
  const none = listener();
  empty.addListener(none);
  assert.deepEqual(none.frames, []);
});

test('transient data - ttl in nanoseconds expires the entry unless it changed', () => {
  const clock = manualScheduler();
  const data = new TransientData(clock.scheduler);
  const l = listener();
  data.addListener(l);
  data.set('a', 1, 2_000_000_000);
  data.set('b', 1, 2_000_000_000);
  clock.advance(1000);
  data.set('b', 2); // changed without ttl: the expiry is gone
  clock.advance(1500);
  assert.equal(data.get('a'), undefined);
  assert.equal(data.get('b'), 2);
  assert.deepEqual(l.frames.at(-1), {
    type: 'transient',
    transient: { type: 'remove', key: 'a', oldvalue: 1 },
  });
  assert.equal(clock.pending(), 0);
});

test('transient data - setting an equal value refreshes or clears the ttl', () => {
  const clock = manualScheduler();
  const data = new TransientData(clock.scheduler);
  data.set('a', 'v', 1_000_000_000);
  clock.advance(800);
  data.set('a', 'v', 1_000_000_000);
  clock.advance(800);
  assert.equal(data.get('a'), 'v');
  data.set('a', 'v');
  clock.advance(5000);
  assert.equal(data.get('a'), 'v');
  assert.equal(nanosToMillis(1), 1);
  assert.equal(nanosToMillis(5_000_000_000), 5000);
});

test('transient data - close drops everything silently', () => {
  const clock = manualScheduler();
  const data = new TransientData(clock.scheduler);
  const l = listener();
  data.addListener(l);
  data.set('a', 1, 1_000_000);
  data.close();
  clock.advance(10);
  assert.equal(data.size, 0);
  assert.equal(l.frames.length, 1);
});
