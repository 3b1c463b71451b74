import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { GO_PROXY } from './helpers/go-proxy.js';
import { audioBothWaysAndScreen } from './helpers/scenarios.js';

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test(
    'mcu proxy - our server and the Go proxy 0.4.1: two participants hear each other, screen too',
    {
      timeout: 90_000,
    },
    () => audioBothWaysAndScreen(GO_PROXY),
  );
}
