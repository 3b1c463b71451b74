import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFloat } from './exposition.js';
import { exponentialBucketsRange, MetricsRegistry } from './registry.js';

test('formatFloat - Go strconv g/-1 formatting', () => {
  assert.equal(formatFloat(0), '0');
  assert.equal(formatFloat(5), '5');
  assert.equal(formatFloat(0.5), '0.5');
  assert.equal(formatFloat(30000), '30000');
  assert.equal(formatFloat(999999), '999999');
  assert.equal(formatFloat(1e6), '1e+06');
  assert.equal(formatFloat(1234567), '1.234567e+06');
  assert.equal(formatFloat(0.0001), '0.0001');
  assert.equal(formatFloat(0.00001), '1e-05');
  assert.equal(formatFloat(1.5e-7), '1.5e-07');
  assert.equal(formatFloat(1e21), '1e+21');
  assert.equal(formatFloat(Number.POSITIVE_INFINITY), '+Inf');
  assert.equal(formatFloat(Number.NEGATIVE_INFINITY), '-Inf');
  assert.equal(formatFloat(Number.NaN), 'NaN');
});

test('exponentialBucketsRange - matches Go for upstream parameters', () => {
  const rtt = exponentialBucketsRange(1, 30_000, 50);
  assert.equal(rtt.length, 50);
  assert.equal(rtt[0], 1);
  assert.ok(Math.abs((rtt[49] as number) - 30_000) < 1e-6);
  const backend = exponentialBucketsRange(0.01, 30, 30);
  assert.equal(backend[0], 0.01);
  assert.ok(Math.abs((backend[29] as number) - 30) < 1e-9);
  for (let i = 1; i < backend.length; i++) {
    assert.ok((backend[i] as number) > (backend[i - 1] as number));
  }
  assert.throws(() => exponentialBucketsRange(0, 1, 3), RangeError);
});

test('registry - text format: sorted families, sorted series, empty vectors left out', () => {
  const registry = new MetricsRegistry();
  const sessions = registry.gauge<'backend' | 'clienttype'>({
    name: 'test_sessions',
    help: 'Sessions',
    labels: ['clienttype', 'backend'],
  });
  const total = registry.counter({ name: 'test_total', help: 'A "total"\nwith newline\\' });
  registry.counter<'type'>({ name: 'test_unused_total', help: 'never touched', labels: ['type'] });
  sessions.inc({ backend: 'b', clienttype: 'client' });
  sessions.inc({ backend: 'a', clienttype: 'internal' }, 2);
  sessions.inc({ backend: 'a', clienttype: 'client' });
  sessions.dec({ backend: 'a', clienttype: 'client' });
  total.inc(undefined, 3);
  assert.equal(
    registry.render(),
    [
      '# HELP test_sessions Sessions',
      '# TYPE test_sessions gauge',
      'test_sessions{backend="a",clienttype="client"} 0',
      'test_sessions{backend="a",clienttype="internal"} 2',
      'test_sessions{backend="b",clienttype="client"} 1',
      '# HELP test_total A "total"\\nwith newline\\\\',
      '# TYPE test_total counter',
      'test_total 3',
      '',
    ].join('\n'),
  );
});

test('registry - label-less metrics render as 0 before first use', () => {
  const registry = new MetricsRegistry();
  registry.counter({ name: 'a_total', help: 'a' });
  registry.gauge({ name: 'b', help: 'b' });
  registry.histogram({ name: 'c', help: 'c', buckets: [1, 2] });
  assert.equal(
    registry.render(),
    [
      '# HELP a_total a',
      '# TYPE a_total counter',
      'a_total 0',
      '# HELP b b',
      '# TYPE b gauge',
      'b 0',
      '# HELP c c',
      '# TYPE c histogram',
      'c_bucket{le="1"} 0',
      'c_bucket{le="2"} 0',
      'c_bucket{le="+Inf"} 0',
      'c_sum 0',
      'c_count 0',
      '',
    ].join('\n'),
  );
});

test('registry - histograms are cumulative per series with le last', () => {
  const registry = new MetricsRegistry();
  const h = registry.histogram<'backend'>({
    name: 'req_duration',
    help: 'd',
    labels: ['backend'],
    buckets: [0.1, 1],
  });
  h.observe({ backend: 'x' }, 0.05);
  h.observe({ backend: 'x' }, 0.5);
  h.observe({ backend: 'x' }, 5);
  h.observe({ backend: 'a"b' }, 1);
  assert.equal(h.count({ backend: 'x' }), 3);
  const lines = registry.render().split('\n');
  assert.deepEqual(lines.slice(2), [
    'req_duration_bucket{backend="a\\"b",le="0.1"} 0',
    'req_duration_bucket{backend="a\\"b",le="1"} 1',
    'req_duration_bucket{backend="a\\"b",le="+Inf"} 1',
    'req_duration_sum{backend="a\\"b"} 1',
    'req_duration_count{backend="a\\"b"} 1',
    'req_duration_bucket{backend="x",le="0.1"} 1',
    'req_duration_bucket{backend="x",le="1"} 2',
    'req_duration_bucket{backend="x",le="+Inf"} 3',
    'req_duration_sum{backend="x"} 5.55',
    'req_duration_count{backend="x"} 3',
    '',
  ]);
});

test('registry - removeMatching, sum and callbacks', () => {
  const registry = new MetricsRegistry();
  const g = registry.gauge<'backend' | 'room'>({
    name: 'g',
    help: 'g',
    labels: ['backend', 'room'],
  });
  g.set({ backend: 'a', room: '1' }, 2);
  g.set({ backend: 'a', room: '2' }, 3);
  g.set({ backend: 'b', room: '1' }, 4);
  assert.equal(g.sum(), 9);
  assert.equal(g.sum({ backend: 'a' }), 5);
  g.removeMatching({ backend: 'a' });
  assert.equal(g.sum(), 4);
  let value = 1;
  registry.callback({ name: 'cb', help: 'cb', type: 'gauge', collect: () => [[{}, value]] });
  registry.callback<'x'>({
    name: 'cb_empty',
    help: 'e',
    type: 'counter',
    labels: ['x'],
    collect: () => [],
  });
  value = 7;
  const text = registry.render();
  assert.match(text, /^cb 7$/m);
  assert.doesNotMatch(text, /cb_empty/);
});

test('registry - rejects bad names, duplicates, missing labels and negative counts', () => {
  const registry = new MetricsRegistry();
  assert.throws(() => registry.counter({ name: 'bad-name', help: '' }), TypeError);
  assert.throws(() => registry.counter({ name: 'x', help: '', labels: ['le'] }), TypeError);
  const c = registry.counter<'a'>({ name: 'c_total', help: '', labels: ['a'] });
  assert.throws(() => registry.counter({ name: 'c_total', help: '' }), TypeError);
  assert.throws(() => c.inc({} as { a: string }), TypeError);
  assert.throws(() => c.inc({ a: '1' }, -1), RangeError);
});

test('registry - bound counters add to their series and survive removals', () => {
  const registry = new MetricsRegistry();
  const c = registry.counter<'direction'>({ name: 'c', help: 'c', labels: ['direction'] });
  const incoming = c.bind({ direction: 'incoming' });
  incoming();
  incoming(4);
  c.inc({ direction: 'incoming' });
  assert.equal(c.get({ direction: 'incoming' }), 6);
  c.remove({ direction: 'incoming' });
  assert.equal(c.get({ direction: 'incoming' }), 0);
  incoming(2);
  assert.equal(c.get({ direction: 'incoming' }), 2);
  c.reset();
  incoming();
  assert.equal(c.get({ direction: 'incoming' }), 1);
  assert.throws(() => incoming(-1), RangeError);
});
