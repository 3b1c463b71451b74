import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { cameraAndScreen, recordThreeParties } from './helpers/sfu-video-scenarios.js';

// Video through Janus (`[mcu] type = janus`); client-sfu-video-proxy.test.ts runs the same scenarios
// through our signaling proxy.
//
// Janus ignores loopback interfaces for ICE: this file runs itself again in a private network
// namespace where Janus has 127.0.0.2 on a veth (packages/testkit/src/netns.ts).
if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test(
    'sfu video (janus) - camera (simulcast, selectStream) and screen share through the SFU',
    { timeout: 90_000 },
    (t) => cameraAndScreen('janus', t),
  );

  test(
    'sfu recorder (janus) - an internal client records a three-party call (audio by tone, video frames)',
    { timeout: 120_000 },
    (t) => recordThreeParties('janus', t),
  );
}
