// Debian's Chromium for browser tests: started here (not by Playwright) so that it can be killed by
// PID whatever happens, with a fake microphone playing a WAV file; Playwright drives it over CDP.
import { type ChildProcess, spawn } from 'node:child_process';
import { test } from 'node:test';
import { encodeWav } from '@spreed-ts/client';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/**
 * Stands in for a file's browser tests when {@link CHROMIUM} is not installed: the test `name`
 * fails in CI (where Chromium must be there) and is skipped elsewhere.
 */
export function testWithoutChromium(name: string): void {
  if (process.env.CI === 'true') {
    test(name, () => {
      throw new Error(`cannot run: ${CHROMIUM} not installed (Debian package chromium)`);
    });
  } else {
    test(name, { skip: `${CHROMIUM} not installed` }, () => undefined);
  }
}

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // Host candidates as plain addresses, not mDNS names the headless peer could not resolve.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--remote-debugging-address=127.0.0.1',
  '--remote-debugging-port=0',
];

/** A Chromium process with a fresh profile, driven over CDP; disposing kills it by PID. */
export interface ChromiumFixture extends AsyncDisposable {
  browser: Browser;
  pid: number;
  output(): string;
}

export async function launchChromium(fakeAudio: string, profile: string): Promise<ChromiumFixture> {
  const child: ChildProcess = spawn(
    CHROMIUM,
    [
      ...CHROMIUM_FLAGS,
      `--use-file-for-fake-audio-capture=${fakeAudio}`,
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`chromium did not start:\n${output}`)),
        20_000,
      );
      child.stderr?.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-20_000);
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`chromium exited (${signal ?? code}):\n${output}`));
      });
    });
    const browser = await chromium.connectOverCDP(endpoint, { timeout: 10_000 });
    return {
      browser,
      pid: child.pid as number,
      output: () => output,
      async [Symbol.asyncDispose]() {
        await browser.close().catch(() => undefined);
        await kill();
      },
    };
  } catch (error) {
    await kill();
    throw error;
  }
}

/** A new tab in `fixture`'s browser; the uncaught errors of its scripts collect in `pageErrors`. */
export async function openPage(
  fixture: ChromiumFixture,
): Promise<{ page: Page; pageErrors: string[] }> {
  const context = fixture.browser.contexts()[0] ?? (await fixture.browser.newContext());
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { page, pageErrors };
}

/** 5 s of a tone, 48 kHz mono (Chromium loops the file as its fake microphone). */
export function toneWav(frequency: number): Uint8Array {
  const samples = new Int16Array(48_000 * 5);
  for (let i = 0; i < samples.length; i++) {
    samples[i] = Math.round(12_000 * Math.sin((2 * Math.PI * frequency * i) / 48_000));
  }
  return encodeWav(samples, 48_000, 1);
}
