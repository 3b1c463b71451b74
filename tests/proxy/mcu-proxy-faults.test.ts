import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { GO_PROXY } from './helpers/go-proxy.js';
import { spreadKillRestart } from './helpers/scenarios.js';

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test(
    'mcu proxy - two Go proxies: publishers spread by load, a killed proxy is left, a restarted one used again',
    {
      timeout: 120_000,
    },
    () => spreadKillRestart(GO_PROXY),
  );
}
