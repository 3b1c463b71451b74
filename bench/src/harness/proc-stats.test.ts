import assert from 'node:assert/strict';
import test from 'node:test';
import { parseStatCpuTicks, parseStatusMemory, readCpu, readMemory } from './proc-stats.js';

test('parseStatCpuTicks - counts fields after the command name, which may hold spaces', () => {
  const stat = '42 (node bench) S 1 42 42 0 -1 4194304 99 0 0 0 250 75 0 0 20 0 7 0 200661';
  assert.equal(parseStatCpuTicks(stat), 325);
});

test('parseStatusMemory - reads VmRSS, VmHWM, RssAnon and RssFile in KiB', () => {
  const status =
    'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nRssAnon:\t   60000 kB\n' +
    'RssFile:\t   42400 kB\nRssShmem:\t       0 kB\nThreads:\t7\n';
  assert.deepEqual(parseStatusMemory(status), {
    rssKiB: 102400,
    hwmKiB: 204800,
    anonKiB: 60000,
    fileKiB: 42400,
  });
});

test('readCpu / readMemory - work on this process and give undefined for a missing one', () => {
  assert.ok((readMemory(process.pid)?.rssKiB ?? 0) > 0);
  assert.ok(readCpu(process.pid) !== undefined);
  assert.equal(readCpu(2 ** 22 + 1), undefined);
});
