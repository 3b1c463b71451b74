import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnCollecting, TestClient } from '@spreed-ts/testkit';
import { exitOf, PROXY_BINARY, startOurProxy, waitForOutput } from './helpers/our-proxy.js';

/** Runs bin/proxy with `args` to its exit; resolves with the code and everything it wrote. */
async function run(args: string[]): Promise<{ code: number | null; output: string }> {
  const { child, output } = spawnCollecting(process.execPath, [PROXY_BINARY, ...args]);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await exitOf(child);
  clearTimeout(timer);
  return { code, output: output() };
}

test('proxy server binary - flags as upstream: -version, unknown flags refused', {
  timeout: 30_000,
}, async () => {
  for (const flag of ['-version', '--version']) {
    const r = await run([flag]);
    assert.equal(r.code, 0);
    assert.match(r.output, /^spreed-ts signaling proxy version \d+\.\d+\.\d+\n$/);
  }
  const unknown = await run(['-frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.output, /flag provided but not defined: -frobnicate/);
  const missing = await run(['-config']);
  assert.equal(missing.code, 2);
  assert.match(missing.output, /flag needs an argument: -config/);
});

test('proxy server binary - a bad proxy.conf stops startup naming section, key and value', {
  timeout: 30_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spreed-proxy-conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'proxy.conf');
  const cases: Array<[string, RegExp]> = [
    ['[mcu]\ntype = janus\n', /\[mcu\] url.*no MCU server url configured/],
    ['[mcu]\ntype = mediasoup\nurl = ws://127.0.0.1:1/\n', /\[mcu\] type.*mediasoup/],
    ['[mcu]\nurl = ws://127.0.0.1:1/\n[app]\ncountry = Germany\n', /\[app\] country.*GERMANY/],
    [
      '[mcu]\nurl = ws://127.0.0.1:1/\n[stats]\nallowed_ips = 1.2.3.400\n',
      /\[stats\] allowed_ips.*1\.2\.3\.400/,
    ],
    [
      '[mcu]\nurl = ws://127.0.0.1:1/\n[tokens]\nserver1 = /nonexistent.pem\n',
      /\[tokens\] server1.*nonexistent\.pem/,
    ],
    ['[mcu]\nurl = ws://127.0.0.1:1/\n[app]\ntokentype = ldap\n', /\[app\] tokentype.*ldap/],
    ['[mcu]\nurl = ws://127.0.0.1:1/\n[http]\nlisten = nowhere\n', /\[http\] listen.*nowhere/],
  ];
  for (const [text, expected] of cases) {
    writeFileSync(conf, text);
    const r = await run(['-config', conf]);
    assert.equal(r.code, 1, text);
    assert.match(r.output, expected, text);
  }
  const absent = await run(['-config', join(dir, 'missing.conf')]);
  assert.equal(absent.code, 1);
  assert.match(absent.output, /missing\.conf/);
});

test('proxy server binary - unimplemented options are listed once; SIGTERM exits 0', {
  timeout: 30_000,
}, async () => {
  await using proxy = await startOurProxy({
    janusUrl: 'ws://127.0.0.1:1/',
    extraConfig: '[app]\nskipverify = true\n[etcd]\nloglevel = info\n[bandwidth]\nincomming = 5\n',
  });
  await waitForOutput(proxy.child, proxy.output, /not implemented by this proxy/);
  assert.match(proxy.output(), /options=".*\[app\] skipverify.*\[etcd\] loglevel/);
  assert.match(proxy.output(), /\[bandwidth\] incomming: unknown option, ignored/);
  assert.equal(proxy.output().match(/not implemented by this proxy/g)?.length, 1);
  assert.equal(await proxy.stop('SIGTERM'), 0);
});

test('proxy server binary - a connection without hello is closed after 10 s with bye hello_timeout', {
  timeout: 30_000,
}, async () => {
  await using proxy = await startOurProxy({ janusUrl: 'ws://127.0.0.1:1/' });
  const opened = Date.now();
  const silent = await TestClient.connect(proxy.wsUrl, { timeoutMs: 15_000 });
  const { client: greeted } = await proxy.hello();
  try {
    // A client that only answers pings (the ws library does) is still dropped.
    silent.socket.ping();
    const bye = await silent.next((f) => f.type === 'bye');
    assert.deepEqual(bye, { type: 'bye', bye: { reason: 'hello_timeout' } });
    assert.equal(await silent.closed, 1000);
    const elapsed = Date.now() - opened;
    assert.ok(elapsed >= 9_500 && elapsed < 14_000, `closed after ${elapsed} ms`);
    // The one that said hello at the same time is still served.
    assert.equal(greeted.isClosed, false);
    const id = greeted.send({ type: 'command', command: { type: 'create-publisher' } });
    const reply = await greeted.next((f) => f.id === id);
    assert.equal(reply.type, 'error');
    assert.notEqual((reply.error as { code: string }).code, 'hello_expected');
  } finally {
    await silent.close().catch(() => undefined);
    await greeted.close().catch(() => undefined);
  }
});
