import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EtcdClient, PrefixWatcher } from '@spreed-ts/server/etcd';
import { freePort, startEtcd, waitUntil } from '@spreed-ts/testkit';
import { type CapturingLogger, capturingLogger, FAST_RETRY } from './helpers.js';

const PREFIX = '/test/watch/';

/** A watcher of JSON objects `{"n": number}`, recording its events. */
async function watch(endpoint: string, logger: CapturingLogger, prefix = PREFIX) {
  const client = await EtcdClient.connect(
    {
      endpoints: [endpoint.replace('http://', '')],
      discoverySrv: '',
      discoveryService: '',
      tls: undefined,
    },
    logger,
  );
  const watcher = new PrefixWatcher<number>({
    client,
    prefix,
    logger,
    retry: FAST_RETRY,
    maxValueBytes: 1024,
    decode: (_key, text) => {
      const parsed = JSON.parse(text) as { n?: unknown };
      if (typeof parsed.n !== 'number') {
        throw new Error('n missing');
      }
      return parsed.n;
    },
  });
  const events: string[] = [];
  watcher.on('put', (key, value, previous) =>
    events.push(
      `put ${key.slice(prefix.length)}=${value}${previous === undefined ? '' : ` (was ${previous})`}`,
    ),
  );
  watcher.on('delete', (key, previous) =>
    events.push(`delete ${key.slice(prefix.length)} (was ${previous})`),
  );
  watcher.start();
  return {
    client,
    watcher,
    events,
    state: () =>
      Object.fromEntries([...watcher.values()].map(([k, v]) => [k.slice(prefix.length), v])),
    [Symbol.dispose]() {
      watcher.close();
      client.close();
    },
  };
}

test('prefix watcher - initial keys, then puts, changes and deletes while running', {
  timeout: 30_000,
}, async () => {
  await using etcd = await startEtcd();
  await etcd.put(`${PREFIX}a`, '{"n":1}');
  await etcd.put(`${PREFIX}b`, '{"n":2}');
  await etcd.put('/test/other', '{"n":99}');
  const logger = capturingLogger();
  using w = await watch(etcd.endpoint, logger);
  await w.watcher.synced();
  assert.deepEqual(w.state(), { a: 1, b: 2 });
  assert.deepEqual(w.events, ['put a=1', 'put b=2']);

  await etcd.put(`${PREFIX}c`, '{"n":3}');
  await etcd.put(`${PREFIX}a`, '{"n":10}');
  await etcd.put(`${PREFIX}a`, '{"n":10}'); // same value: no event
  await etcd.delete(`${PREFIX}b`);
  await etcd.delete(`${PREFIX}missing`);
  await etcd.put('/test/other', '{"n":100}');
  await waitUntil(() => w.events.length >= 5, 5000, 'the watch events');
  assert.deepEqual(w.events, [
    'put a=1',
    'put b=2',
    'put c=3',
    'put a=10 (was 1)',
    'delete b (was 2)',
  ]);
  assert.deepEqual(w.state(), { a: 10, c: 3 });
});

test('prefix watcher - garbage, deep and oversized values are logged and ignored', {
  timeout: 30_000,
}, async () => {
  await using etcd = await startEtcd();
  await etcd.put(`${PREFIX}garbage`, '{not json');
  const logger = capturingLogger();
  using w = await watch(etcd.endpoint, logger);
  await w.watcher.synced();
  assert.deepEqual(w.state(), {});
  assert.ok(logger.has(/WARN ignoring invalid etcd value .*garbage/), logger.lines.join('\n'));

  await etcd.put(`${PREFIX}ok`, '{"n":1}');
  // An invalid value for a known key leaves its last valid value in place.
  await etcd.put(`${PREFIX}ok`, '{"n":"one"}');
  await etcd.put(`${PREFIX}deep`, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  await etcd.put(`${PREFIX}big`, JSON.stringify({ n: 1, pad: 'x'.repeat(2000) }));
  await etcd.put(`${PREFIX}last`, '{"n":2}');
  await waitUntil(() => w.state().last === 2, 5000, 'the last valid put');
  assert.deepEqual(w.state(), { ok: 1, last: 2 });
  assert.deepEqual(w.events, ['put ok=1', 'put last=2']);
  assert.ok(logger.has(/WARN ignoring invalid etcd value .*"key":"\/test\/watch\/ok".*n missing/));
  assert.ok(logger.has(/WARN ignoring etcd value: too large .*big/));
  // The deep value is larger than the limit too; a deep one under the limit fails to decode.
  assert.ok(logger.has(/WARN ignoring etcd value: too large .*deep/));
  await etcd.put(`${PREFIX}deep2`, `${'['.repeat(400)}${']'.repeat(400)}`);
  await etcd.put(`${PREFIX}last`, '{"n":3}');
  await waitUntil(() => w.state().last === 3, 5000, 'the put after the deep value');
  assert.ok(logger.has(/WARN ignoring invalid etcd value .*deep2/));
});

test('prefix watcher - etcd killed and restarted with other data: the watcher converges', {
  timeout: 60_000,
}, async () => {
  await using etcd = await startEtcd();
  await etcd.put(`${PREFIX}keep`, '{"n":1}');
  await etcd.put(`${PREFIX}change`, '{"n":2}');
  await etcd.put(`${PREFIX}gone`, '{"n":3}');
  for (let i = 0; i < 20; i++) {
    await etcd.put('/test/noise', String(i)); // revisions the new store will not have
  }
  const logger = capturingLogger();
  using w = await watch(etcd.endpoint, logger);
  await w.watcher.synced();
  assert.deepEqual(w.state(), { keep: 1, change: 2, gone: 3 });

  // A new store (revision counter back near 1) with different content on the same port.
  await etcd.kill();
  await etcd.restart({
    wipe: true,
    seed: {
      [`${PREFIX}keep`]: '{"n":1}',
      [`${PREFIX}change`]: '{"n":20}',
      [`${PREFIX}new`]: '{"n":4}',
    },
  });
  await waitUntil(() => w.state().new === 4 && w.state().gone === undefined, 20_000, 'convergence');
  assert.deepEqual(w.state(), { keep: 1, change: 20, new: 4 });
  assert.ok(logger.has(/WARN etcd watch interrupted/), logger.lines.join('\n'));
  // Only the differences were emitted.
  assert.deepEqual(w.events.slice(3).toSorted(), [
    'delete gone (was 3)',
    'put change=20 (was 2)',
    'put new=4',
  ]);

  // And the new watch works.
  await etcd.put(`${PREFIX}after`, '{"n":5}');
  await waitUntil(() => w.state().after === 5, 5000, 'a put after the restart');
});

test('prefix watcher - etcd unreachable at start: retries without crashing, then syncs', {
  timeout: 60_000,
}, async () => {
  const port = await freePort();
  const logger = capturingLogger();
  using w = await watch(`http://127.0.0.1:${port}`, logger);
  await waitUntil(
    () => logger.lines.filter((l) => /could not read etcd keys/.test(l)).length >= 2,
    15_000,
    'retries',
  );
  assert.equal(w.watcher.isSynced, false);
  await using etcd = await startEtcd({ clientPort: port });
  await etcd.put(`${PREFIX}late`, '{"n":7}');
  await waitUntil(() => w.state().late === 7, 20_000, 'the key once etcd is up');
  assert.equal(w.watcher.isSynced, true);
});
