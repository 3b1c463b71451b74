import assert from 'node:assert/strict';
import { on, once } from 'node:events';
import { test } from 'node:test';
import { EventEmitter } from './event-emitter.js';
import { safeEmit } from './safe-emit.js';

type Events = { value: [n: number]; done: [] };

test('EventEmitter - on/once/prepend/off in Node order, emit reports listeners', () => {
  const e = new EventEmitter<Events>();
  const calls: string[] = [];
  const a = (n: number) => calls.push(`a${n}`);
  e.on('value', a);
  e.once('value', (n) => calls.push(`once${n}`));
  e.prependListener('value', (n) => calls.push(`first${n}`));
  assert.equal(e.emit('value', 1), true);
  assert.equal(e.emit('value', 2), true);
  assert.deepEqual(calls, ['first1', 'a1', 'once1', 'first2', 'a2']);
  assert.equal(e.listenerCount('value'), 2);
  e.off('value', a);
  assert.equal(e.listenerCount('value', a), 0);
  e.removeAllListeners();
  assert.equal(e.emit('value', 3), false);
  assert.deepEqual(e.eventNames(), []);
});

test('EventEmitter - a listener removed during emit still runs this time (snapshot), not after', () => {
  const e = new EventEmitter<Events>();
  const calls: string[] = [];
  const second = () => calls.push('second');
  e.on('done', () => {
    calls.push('first');
    e.off('done', second);
  });
  e.on('done', second);
  e.emit('done');
  e.emit('done');
  assert.deepEqual(calls, ['first', 'second', 'first']);
});

test('safeEmit - contains throwing listeners and rejected promises, removes once listeners', async () => {
  const e = new EventEmitter<Events>();
  const errors: unknown[] = [];
  const seen: number[] = [];
  e.on('value', () => {
    throw new Error('boom');
  });
  // An async listener (typed as the void listener it is passed as by user code).
  const asyncListener = (async () => {
    throw new Error('async boom');
  }) as unknown as () => void;
  e.on('value', asyncListener);
  e.once('value', (n) => seen.push(n));
  safeEmit(e, (error) => errors.push(error), 'value', 1);
  safeEmit(e, (error) => errors.push(error), 'value', 2);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, [1]);
  assert.equal(errors.length, 4);
});

test('EventEmitter - works with node:events once() and on()', async () => {
  const e = new EventEmitter<Events>();
  const first = once(e, 'value');
  e.emit('value', 7);
  assert.deepEqual(await first, [7]);
  assert.equal(e.listenerCount('value'), 0);
  const ac = new AbortController();
  const iterator = on(e, 'value', { signal: ac.signal });
  setImmediate(() => {
    e.emit('value', 1);
    e.emit('value', 2);
  });
  const got: unknown[] = [];
  try {
    for await (const [n] of iterator) {
      got.push(n);
      if (got.length === 2) {
        ac.abort();
      }
    }
  } catch (error) {
    assert.equal((error as Error).name, 'AbortError');
  }
  assert.deepEqual(got, [1, 2]);
});
