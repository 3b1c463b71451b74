// A browser peer: Debian's Chromium opens the devbackend's call page (the client's browser bundle),
// joins as a guest and the call with a fake microphone playing a 440 Hz WAV; a headless SDK peer
// sends 660 Hz. Each side must hear the other's tone.
//
// Chromium gathers ICE candidates only on non-loopback interfaces (and, without a default route,
// only once the page has microphone permission), so this file runs itself again in the private
// network namespace of packages/testkit/src/netns.ts, where 127.0.0.2 sits on a veth: all traffic
// stays in the loopback range. The browser is started here (not by Playwright) so that it can be
// killed by PID whatever happens; Playwright drives it over CDP.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Participant, TalkClient } from '@spreed-ts/client';
import { insideTestNetns, janusInstalled, runInTestNetns } from '@spreed-ts/testkit';
import type { Page } from 'playwright-core';
import { concatFrames, dominantFrequency } from './helpers/audio-analysis.js';
import { browserAndSdkSeeEachOther, waitForPage } from './helpers/call-page.js';
import {
  CHROMIUM,
  launchChromium,
  openPage,
  testWithoutChromium,
  toneWav,
} from './helpers/chromium.js';
import { startTalkEnv } from './helpers/talk-env.js';

/** Collects `frames` 10 ms frames that `client` receives from the session `from()`. */
function collect(client: TalkClient, from: () => string | undefined, frames: number) {
  const got: Int16Array[] = [];
  return new Promise<Int16Array>((resolve) => {
    const onFrame = (p: Participant, samples: Int16Array): void => {
      if (p.sessionId === from()) {
        got.push(samples);
        if (got.length === frames) {
          client.off('audioFrame', onFrame);
          resolve(concatFrames(got));
        }
      }
    };
    client.on('audioFrame', onFrame);
  });
}

async function browserAndSdkHearEachOther(sfu: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'spreed-browser-'));
  try {
    const wav = join(dir, 'tone-440.wav');
    await writeFile(wav, toneWav(440));
    await using env = await startTalkEnv({}, { sfu });
    await using chromiumFixture = await launchChromium(wav, join(dir, 'profile'));
    const { page, pageErrors } = await openPage(chromiumFixture);
    // `raw=1`: no noise suppression, which would treat a steady tone as noise.
    await page.goto(`${env.roomUrl}?raw=1&name=Browser`, { timeout: 10_000 });
    await page.click('#call-join', { timeout: 10_000 });
    const joined = await waitForPage(page, undefined, 'into the call', (s) => s.phase === 'inCall');
    const browserId = joined.sessionId;
    assert.ok(browserId !== undefined, 'the page knows its signaling session');

    const sdk = await env.join({ name: 'Headless' });
    const fromBrowser = collect(sdk, () => browserId, 300);
    await sdk.joinCall({ audio: { tone: 660 } });
    assert.equal(sdk.call?.media?.mode, sfu ? 'sfu' : 'p2p');

    // The headless peer hears the browser's fake microphone: 440 Hz (the first second skipped).
    const heard = dominantFrequency((await fromBrowser).subarray(48_000), [440, 660, 1000]);
    assert.equal(heard.frequency, 440, `the SDK peer hears 440 Hz (got ${heard.frequency})`);
    assert.ok(heard.ratio > 10, `440 Hz should dominate (ratio ${heard.ratio})`);
    assert.equal(sdk.participants.find((p) => p.sessionId === browserId)?.displayName, 'Browser');

    // The browser hears the headless peer: packets, PCM frames and 660 Hz in the last second.
    const sdkId = sdk.sessionId as string;
    await waitForPage(page, sdkId, '2 s of audio from the SDK peer', (s) => s.frames >= 200);
    const received = await page.evaluate(async (id) => {
      const call = (globalThis as unknown as { spreedCall: Record<string, unknown> }).spreedCall;
      const stats = (
        call.stats as () => Promise<{ packetsReceived: number; packetsSent: number }>
      )();
      const tone = (call.dominantFrequency as (i: string, c: number[]) => unknown)(
        id,
        [440, 660, 1000],
      );
      return { stats: await stats, tone: tone as { frequency: number; ratio: number } };
    }, sdkId);
    assert.ok(
      received.stats.packetsReceived > 50,
      `packets received: ${received.stats.packetsReceived}`,
    );
    assert.ok(received.stats.packetsSent > 50, `packets sent: ${received.stats.packetsSent}`);
    assert.equal(
      received.tone.frequency,
      660,
      `the browser hears 660 Hz (got ${received.tone.frequency})`,
    );
    assert.ok(received.tone.ratio > 10, `660 Hz should dominate (ratio ${received.tone.ratio})`);

    await page.evaluate(() =>
      (globalThis as unknown as { spreedCall: { leave(): Promise<void> } }).spreedCall.leave(),
    );
    assert.deepEqual(pageErrors, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Polls `#call-state` until its `data-state` is `state`; fails with the page's log. */
async function waitForState(page: Page, state: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = page.locator('#call-state');
    const now = {
      state: await view.getAttribute('data-state'),
      text: (await view.textContent()) ?? '',
    };
    if (now.state === state) {
      return now.text;
    }
    if (Date.now() > deadline) {
      const log = await page.locator('#call-log').textContent();
      assert.fail(`#call-state stayed ${now.state} (${now.text}), wanted ${state}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function callPageElements(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'spreed-page-'));
  try {
    const wav = join(dir, 'tone-440.wav');
    await writeFile(wav, toneWav(440));
    await using env = await startTalkEnv();
    await using chromiumFixture = await launchChromium(wav, join(dir, 'profile'));
    const { page, pageErrors } = await openPage(chromiumFixture);
    await page.setViewportSize({ width: 1100, height: 760 });
    await page.goto(`${env.roomUrl}?name=Browser`, { timeout: 10_000 });
    assert.match((await page.getAttribute('link[rel=icon]', 'href')) ?? '', /^data:image\/svg/);
    assert.equal(await page.textContent('#call-state'), 'Not in the call');
    await page.click('#call-join', { timeout: 10_000 });
    await waitForState(page, 'inCall');

    // A headless peer joins: its name appears, and the page connects to it.
    const sdk = await env.join({ name: 'Headless' });
    await sdk.joinCall({ audio: { tone: 660 } });
    await page.waitForSelector('#call-participants li:has-text("Headless")', { timeout: 10_000 });
    assert.equal(await waitForState(page, 'connected'), 'Connected to Headless');
    assert.match((await page.textContent('#call-participants')) ?? '', /Browser \(you\)/);

    // Mute disables the microphone track we send; unmute enables it again.
    assert.equal(
      await page.evaluate(() =>
        (
          globalThis as unknown as { spreedCall: { microphoneEnabled(): boolean | undefined } }
        ).spreedCall.microphoneEnabled(),
      ),
      true,
    );
    await page.click('#call-mute');
    assert.equal(
      await page.evaluate(() =>
        (
          globalThis as unknown as { spreedCall: { microphoneEnabled(): boolean | undefined } }
        ).spreedCall.microphoneEnabled(),
      ),
      false,
    );
    assert.equal(await page.getAttribute('#call-mute', 'aria-pressed'), 'true');
    assert.equal(await page.textContent('#call-mute'), 'Unmute');
    await page.click('#call-mute');
    assert.equal(
      await page.evaluate(() =>
        (
          globalThis as unknown as { spreedCall: { microphoneEnabled(): boolean | undefined } }
        ).spreedCall.microphoneEnabled(),
      ),
      true,
    );

    // Chat: the page's message reaches the headless peer, the peer's (with a mention) is
    // rendered on the page with the placeholder replaced.
    const heard = new Promise<string>((resolve) => {
      sdk.on('chatMessage', (m) => {
        if (m.actorDisplayName === 'Browser') {
          resolve(m.message);
        }
      });
    });
    await page.fill('#chat-input', 'hello from the page');
    await page.click('#chat-send');
    assert.equal(await heard, 'hello from the page');
    await sdk.chat.send('hi there, page');
    await page.waitForSelector('#chat-messages li:has-text("hi there, page")', { timeout: 10_000 });
    assert.match((await page.textContent('#chat-messages')) ?? '', /Browser\s*hello from the page/);
    await page.screenshot({ path: join(dir, 'in-call.png') });
    assert.ok((await stat(join(dir, 'in-call.png'))).size > 10_000);
    if (process.env.SPREED_SCREENSHOTS !== undefined) {
      await copyFile(join(dir, 'in-call.png'), join(process.env.SPREED_SCREENSHOTS, 'in-call.png'));
    }
    await page.evaluate(() =>
      (globalThis as unknown as { spreedCall: { leave(): Promise<void> } }).spreedCall.leave(),
    );

    // A conversation deleted after the page loaded: joining fails, and the page says so.
    const gone = env.createRoom({ name: 'Gone' });
    await page.goto(`${gone.url}?name=Browser`, { timeout: 10_000 });
    env.dev.deleteRoom(gone.token);
    await page.click('#call-join');
    assert.match(await waitForState(page, 'failed'), /^Failed: /);
    await page.screenshot({ path: join(dir, 'failed.png') });
    if (process.env.SPREED_SCREENSHOTS !== undefined) {
      await copyFile(join(dir, 'failed.png'), join(process.env.SPREED_SCREENSHOTS, 'failed.png'));
    }
    // A link to a conversation that does not exist: the styled not-found page.
    const missing = await page.goto(`${env.dev.url}call/doesnotexist`, { timeout: 10_000 });
    assert.equal(missing?.status(), 404);
    assert.equal(await page.textContent('#call-error'), 'Conversation not found');
    assert.deepEqual(pageErrors, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (!existsSync(CHROMIUM)) {
  testWithoutChromium('browser: chromium');
} else if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url, { janus: false });
} else {
  test(
    'browser - the call page in Chromium and a headless SDK peer hear each other peer-to-peer',
    {
      timeout: 60_000,
    },
    () => browserAndSdkHearEachOther(false),
  );

  test(
    'browser - video both ways peer-to-peer: fake camera to the SDK, test pattern to the page',
    { timeout: 60_000 },
    () => browserAndSdkSeeEachOther(undefined),
  );

  test(
    'browser - the call page lists participants, mutes, chats and shows its connection state',
    { timeout: 60_000 },
    () => callPageElements(),
  );

  test(
    'browser - the call page in Chromium and a headless SDK peer hear each other through Janus',
    {
      timeout: 60_000,
      skip: janusInstalled() ? false : 'janus not installed',
    },
    () => browserAndSdkHearEachOther(true),
  );
}
