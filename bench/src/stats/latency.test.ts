import assert from 'node:assert/strict';
import test from 'node:test';
import { LatencyRecorder } from './latency.js';

test('LatencyRecorder - nearest-rank percentiles in milliseconds', () => {
  const recorder = new LatencyRecorder();
  for (let i = 1; i <= 100; i++) {
    recorder.add(i * 1000);
  }
  const summary = recorder.summary();
  assert.equal(summary?.count, 100);
  assert.equal(summary?.p50, 50);
  assert.equal(summary?.p99, 99);
  assert.equal(summary?.max, 100);
});

test('LatencyRecorder - keeps counting past its capacity and stays bounded', () => {
  const recorder = new LatencyRecorder(10);
  for (let i = 0; i < 1000; i++) {
    recorder.add(5000);
  }
  assert.equal(recorder.count, 1000);
  assert.equal(recorder.summary()?.p99, 5);
  recorder.reset();
  assert.equal(recorder.summary(), undefined);
});
