// The call page in Chromium: reading its state (`window.spreedCall`, also for
// sfu-cluster-browser.test.ts) and the video scenario that browser-call.test.ts runs
// peer-to-peer and browser-sfu-video.test.ts runs through Janus.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { SfuMode } from '../../sfu/helpers/sfu-mcu.js';
import { launchChromium, openPage, toneWav } from './chromium.js';
import { startTalkEnv } from './talk-env.js';
import { collectVideo, nextPicture } from './video-analysis.js';

/** What the test reads of the page's `window.spreedCall`. */
export interface PageState {
  phase: string;
  error: string | undefined;
  statuses: string[];
  sessionId: string | undefined;
  /** Audio frames the page received from `remoteId` (0 without one). */
  frames: number;
  /** Audio frames the page received from each peer, by session id. */
  framesFrom: Record<string, number>;
}

export function pageState(page: Page, remoteId: string | undefined): Promise<PageState> {
  return page.evaluate((id) => {
    const call = (globalThis as unknown as { spreedCall: Record<string, unknown> }).spreedCall;
    const peers = call.peers as Record<string, { frames: number }>;
    return {
      phase: call.phase as string,
      error: call.error as string | undefined,
      statuses: call.statuses as string[],
      sessionId: call.sessionId as string | undefined,
      frames: id === undefined ? 0 : (peers[id]?.frames ?? 0),
      framesFrom: Object.fromEntries(Object.entries(peers).map(([peer, p]) => [peer, p.frames])),
    };
  }, remoteId);
}

/** Polls the page until `check` holds; fails with the page's statuses after `timeoutMs`. */
export async function waitForPage(
  page: Page,
  remoteId: string | undefined,
  what: string,
  check: (state: PageState) => boolean,
  timeoutMs = 20_000,
): Promise<PageState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await pageState(page, remoteId);
    if (check(state)) {
      return state;
    }
    if (state.phase === 'failed' || Date.now() > deadline) {
      assert.fail(
        `the call page did not get ${what} (${state.phase} ${state.error ?? ''}):\n${state.statuses.join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface PageVideo {
  frames: number;
  marked: number;
  ids: number[];
  width: number;
  height: number;
}

/**
 * Video both ways, peer-to-peer (`sfu` undefined) or through Janus (directly or behind our
 * signaling proxy): the call page sends Chromium's fake camera (`video=1`) and decodes what it
 * receives; the SDK sends its test pattern and receives the fake camera.
 */
export async function browserAndSdkSeeEachOther(sfu: SfuMode | undefined): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'spreed-browser-video-'));
  try {
    const wav = join(dir, 'tone-440.wav');
    await writeFile(wav, toneWav(440));
    await using env = await startTalkEnv({}, sfu === undefined ? {} : { sfu: true, sfuMode: sfu });
    await using chromiumFixture = await launchChromium(wav, join(dir, 'profile'));
    const { page, pageErrors } = await openPage(chromiumFixture);
    await page.goto(`${env.roomUrl}?raw=1&video=1&name=Browser`, { timeout: 10_000 });
    await page.click('#call-join', { timeout: 10_000 });
    const joined = await waitForPage(page, undefined, 'into the call', (s) => s.phase === 'inCall');
    const browserId = joined.sessionId;

    const sdk = await env.join({ name: 'Headless' });
    const fromBrowser = collectVideo(sdk, () => browserId, 30);
    await sdk.joinCall({
      audio: { tone: 660 },
      video: { testPattern: { width: 320, height: 240, frameRate: 15, id: 6 } },
      receiveVideo: true,
    });
    assert.equal(sdk.call?.media?.mode, sfu === undefined ? 'p2p' : 'sfu');
    // The SDK decodes Chromium's fake camera (a green test picture; no marker of ours).
    const seen = await fromBrowser;
    assert.equal(seen.sizes.size >= 1, true);
    const [size] = [...seen.sizes];
    const [width = 0, height = 0] = (size ?? '').split('×').map(Number);
    assert.ok(width >= 160 && height >= 120, `the fake camera arrives as ${size}`);
    if (sfu !== undefined) {
      // Janus forwards what Chromium sends: its fake camera's default 640×480 (the page asks for
      // no particular size); a picture scaled down while the sender adapts keeps the 4:3 shape.
      assert.ok(seen.sizes.has('640×480'), `the fake camera arrives as ${[...seen.sizes]}`);
      for (const each of seen.sizes) {
        const [w = 0, h = 0] = each.split('×').map(Number);
        assert.equal(w * 3, h * 4, `${each} keeps 4:3`);
      }
    }
    assert.ok(
      seen.seconds > 0 && seen.frames / seen.seconds > 3,
      `${seen.frames} in ${seen.seconds} s`,
    );

    // The page decodes the SDK's test pattern and reads its marker.
    const sdkId = sdk.sessionId as string;
    const deadline = Date.now() + 20_000;
    let video: PageVideo | undefined;
    while (Date.now() < deadline) {
      video = await page.evaluate(
        (id) =>
          (globalThis as unknown as { spreedCall: { video: Record<string, PageVideo> } }).spreedCall
            .video[id],
        sdkId,
      );
      if ((video?.marked ?? 0) >= 20) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(video !== undefined && video.marked >= 20, `page video: ${JSON.stringify(video)}`);
    assert.deepEqual(video.ids, [6]);
    assert.equal(`${video.width}×${video.height}`, '320×240');
    console.log(
      `browser video (${sfu ?? 'p2p'}): SDK got ${seen.frames} pictures ${[...seen.sizes]} at ${(seen.frames / seen.seconds).toFixed(1)} fps; page got ${video.frames} (${video.marked} marked)`,
    );
    if (sfu !== undefined) {
      // The page publishes its camera as simulcast layers: the SDK asks Janus for the smallest.
      assert.ok(browserId !== undefined);
      assert.equal(sdk.selectStream(browserId, { substream: 0 }), true);
      const small = await nextPicture(sdk, browserId, (f) => f.width < 640, 20_000);
      assert.equal(small.width * 3, small.height * 4, `${small.width}×${small.height} keeps 4:3`);
      console.log(`browser simulcast (${sfu}): substream 0 is ${small.width}×${small.height}`);
    }
    await page.evaluate(() =>
      (globalThis as unknown as { spreedCall: { leave(): Promise<void> } }).spreedCall.leave(),
    );
    assert.deepEqual(pageErrors, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
