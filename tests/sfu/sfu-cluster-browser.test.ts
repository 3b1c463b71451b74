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
import { setTimeout as sleep } from 'node:timers/promises';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import type { Page } from 'playwright-core';
import { CHROMIUM, launchChromium, toneWav } from '../client/helpers/chromium.js';
import { hearsWithin } from './helpers/hearing.js';
import { startSfuClusterEnv } from './helpers/sfu-cluster-env.js';

interface PageCall {
  phase: string;
  error: string | undefined;
  statuses: string[];
  sessionId: string | undefined;
  frames: Record<string, number>;
}

function pageCall(page: Page): Promise<PageCall> {
  return page.evaluate(() => {
    const call = (globalThis as unknown as { spreedCall: Record<string, unknown> }).spreedCall;
    const peers = call.peers as Record<string, { frames: number }>;
    return {
      phase: call.phase as string,
      error: call.error as string | undefined,
      statuses: call.statuses as string[],
      sessionId: call.sessionId as string | undefined,
      frames: Object.fromEntries(Object.entries(peers).map(([id, p]) => [id, p.frames])),
    };
  });
}

/** Polls the page until `check` holds; fails with the page's statuses after `timeoutMs`. */
async function waitForPage(
  page: Page,
  what: string,
  check: (call: PageCall) => boolean,
  timeoutMs = 30_000,
): Promise<PageCall> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const call = await pageCall(page);
    if (check(call)) {
      return call;
    }
    if (call.phase === 'failed' || Date.now() > deadline) {
      assert.fail(
        `the call page did not get ${what} (${call.phase} ${call.error ?? ''}):\n${call.statuses.join('\n')}`,
      );
    }
    await sleep(100);
  }
}

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
  if (process.env.CI === 'true') {
    test('sfu cluster browser: chromium', () => {
      throw new Error(`cannot run: ${CHROMIUM} not installed (Debian package chromium)`);
    });
  } else {
    test('sfu cluster browser: chromium', { skip: `${CHROMIUM} not installed` }, () => undefined);
  }
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
      const context =
        chromiumFixture.browser.contexts()[0] ?? (await chromiumFixture.browser.newContext());
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      // `raw=1`: no noise suppression, which would treat a steady tone as noise.
      await page.goto(`${dev.url}call/${token}?raw=1&name=Browser`, { timeout: 10_000 });
      await page.click('#call-join', { timeout: 10_000 });
      const joined = await waitForPage(page, 'into the call', (c) => c.phase === 'inCall');
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
        '2 s of audio from both headless participants',
        (c) => (c.frames[alice.sessionId] ?? 0) >= 200 && (c.frames[bob.sessionId] ?? 0) >= 200,
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
