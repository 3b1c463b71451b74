// Chromium ↔ SDK video through the SFU: the call page (Chromium's fake camera, published as
// simulcast layers) and a headless SDK peer (its test pattern) see each other through Janus,
// directly (`[mcu] type = janus`) and through our signaling proxy in front of it
// (`[mcu] type = proxy`); browser-call.test.ts runs the same scenario peer-to-peer.
//
// Chromium and Janus gather ICE candidates only on non-loopback interfaces, so this file runs
// itself again in the private network namespace of packages/testkit/src/netns.ts, where 127.0.0.2
// sits on a veth: all traffic stays in the loopback range.
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { SFU_MODES } from '../sfu/helpers/sfu-mcu.js';
import { browserAndSdkSeeEachOther } from './helpers/call-page.js';
import { CHROMIUM, testWithoutChromium } from './helpers/chromium.js';

if (!existsSync(CHROMIUM)) {
  testWithoutChromium('browser sfu video: chromium');
} else if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  for (const mode of SFU_MODES) {
    test(
      `browser - video both ways through Janus (${mode}): fake camera to the SDK, test pattern to the page`,
      { timeout: 60_000 },
      () => browserAndSdkSeeEachOther(mode),
    );
  }
}
