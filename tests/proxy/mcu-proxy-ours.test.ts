// Our server with our own bin/proxy: the same call scenarios as with Debian's Go proxy
// (mcu-proxy-go.test.ts, mcu-proxy-faults.test.ts).
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { OUR_PROXY } from './helpers/go-proxy.js';
import { audioBothWaysAndScreen, spreadKillRestart } from './helpers/scenarios.js';

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test(
    'mcu proxy - our server and our proxy: two participants hear each other, screen too',
    {
      timeout: 90_000,
    },
    () => audioBothWaysAndScreen(OUR_PROXY),
  );

  test(
    'mcu proxy - two of our proxies: publishers spread by load, a killed proxy is left, a restarted one used again',
    {
      timeout: 120_000,
    },
    () => spreadKillRestart(OUR_PROXY),
  );
}
