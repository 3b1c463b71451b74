/** Polls `check` every 20 ms until it holds; rejects after `timeoutMs` naming `what`. */
export async function waitUntil(
  check: () => boolean,
  timeoutMs = 10_000,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Polls the asynchronous `check` every 100 ms until it holds (for conditions read over HTTP or a
 * socket); rejects after `ms` naming `what`.
 */
export async function eventually(
  check: () => Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
