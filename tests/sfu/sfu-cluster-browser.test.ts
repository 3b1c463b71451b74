// Chromium in a call across a cluster: the devbackend's call page (the client's browser bundle)
// joins through server 2 with a fake microphone playing 440 Hz; two headless participants on
// servers 0 and 1 send 660 and 1000 Hz. All share one Janus; everybody must hear both others.
// Runs in the test network namespace (Janus and Chromium ignore loopback interfaces for ICE).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import type { Page } from 'playwright-core';
import { waitForPage } from '../client/helpers/call-page.js';
import {
  CHROMIUM,
  launchChromium,
  openPage,
  testWithoutChromium,
  toneWav,
} from '../client/helpers/chromium.js';
import { hearsWithin } from './helpers/hearing.js';
import { startSfuClusterEnv } from './helpers/sfu-cluster-env.js';

/** The tone the page hears from `sessionId` in its last second. */
function pageHears(page: Page, sessionId: string): Promise<{ frequency: number; ratio: number }> {
  return page.evaluate((id) => {
    const call = (globalThis as unknown as { spreedCall: Record<string, unknown> }).spreedCall;
    return (call.dominantFrequency as (i: string, c: number[]) => unknown)(
      id,
      [440, 660, 1000],
    ) as { frequency: number; ratio: number };
  }, sessionId);
}

if (!existsSync(CHROMIUM)) {
  testWithoutChromium('sfu cluster browser: chromium');
} else if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('sfu cluster - Chromium on a third server hears and is heard by two headless participants', {
    timeout: 90_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spreed-cluster-browser-'));
    try {
      const wav = join(dir, 'tone-440.wav');
      await writeFile(wav, toneWav(440));
      await using env = await startSfuClusterEnv(3);
      const { dev, servers } = env.cluster;
      dev.addUser('alice');
      dev.addUser('bob');
      // A token as Talk makes them (the page checks the link's form).
      const { token } = dev.createRoom({ owner: 'alice' });
      const alice = await env.peer(0, token, 'alice');
      const bob = await env.peer(1, token, 'bob');
      await Promise.all(
        [alice, bob].map((p) => env.seesInCall(p, [alice.sessionId, bob.sessionId])),
      );
      await Promise.all([alice.publish({ frequency: 660 }), bob.publish({ frequency: 1_000 })]);

      // The page asks Talk for the signaling settings when it joins: point it at server 2.
      dev.setSignalingUrl((servers[2] as (typeof servers)[number]).httpUrl);
      await using chromiumFixture = await launchChromium(wav, join(dir, 'profile'));
      const { page, pageErrors } = await openPage(chromiumFixture);
      // `raw=1`: no noise suppression, which would treat a steady tone as noise.
      await page.goto(`${dev.url}call/${token}?raw=1&name=Browser`, { timeout: 10_000 });
      await page.click('#call-join', { timeout: 10_000 });
      const joined = await waitForPage(
        page,
        undefined,
        'into the call',
        (s) => s.phase === 'inCall',
        30_000,
      );
      const browserId = joined.sessionId as string;
      assert.ok(browserId !== undefined, 'the page knows its signaling session');

      // The headless participants subscribe to the browser's stream (published through server 2).
      await Promise.all([alice, bob].map((p) => env.seesInCall(p, [browserId])));
      const [aliceHearsBrowser, bobHearsBrowser] = await Promise.all([
        alice.subscribe(browserId),
        bob.subscribe(browserId),
      ]);
      assert.equal(await hearsWithin(aliceHearsBrowser, 440), 440, 'Alice hears the browser');
      assert.equal(await hearsWithin(bobHearsBrowser, 440), 440, 'Bob hears the browser');

      // The browser subscribed to both of them, on the two other servers.
      await waitForPage(
        page,
        undefined,
        '2 s of audio from both headless participants',
        (s) =>
          (s.framesFrom[alice.sessionId] ?? 0) >= 200 && (s.framesFrom[bob.sessionId] ?? 0) >= 200,
        30_000,
      );
      for (const [peer, tone] of [
        [alice, 660],
        [bob, 1_000],
      ] as const) {
        const heard = await pageHears(page, peer.sessionId);
        assert.equal(
          heard.frequency,
          tone,
          `the browser hears ${tone} Hz (got ${heard.frequency})`,
        );
        assert.ok(heard.ratio > 10, `${tone} Hz should dominate (ratio ${heard.ratio})`);
      }
      assert.equal(await env.metric(2, 'signaling_mcu_remote_subscribers{type="video"}'), 2);
      assert.equal(await env.metric(2, 'signaling_mcu_publishers{type="video"}'), 1);
      await page.evaluate(() =>
        (globalThis as unknown as { spreedCall: { leave(): Promise<void> } }).spreedCall.leave(),
      );
      assert.deepEqual(pageErrors, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
