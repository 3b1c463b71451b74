import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DevBackend } from '../dev-backend.js';
import type { DevBackendOptions } from '../dev-backend-types.js';
import { defaultCallAppBundle } from './call-app.js';

const T = { timeout: 10_000 };

async function withBackend(
  options: DevBackendOptions,
  run: (backend: DevBackend, token: string) => Promise<void>,
): Promise<void> {
  const backend = new DevBackend(options);
  await backend.start();
  try {
    await run(backend, backend.createRoom({ name: 'Call page' }).token);
  } finally {
    await backend.close();
  }
}

test('call page - loads the built call app, which the devbackend serves', T, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'call-app-'));
  try {
    const bundle = join(dir, 'call-app.js');
    await writeFile(bundle, 'console.log("call app");\n');
    await writeFile(`${bundle}.map`, '{"version":3}');
    await withBackend({ callAppBundle: bundle }, async (backend, token) => {
      const page = await fetch(`${backend.url}call/${token}`);
      const html = await page.text();
      assert.equal(page.status, 200);
      assert.match(html, /data-requesttoken="[^"]+"/);
      assert.match(html, /<script type="module" src="\/spreed-ts\/call-app\.js"><\/script>/);
      assert.match(html, /id="call-join"/);
      const script = await fetch(`${backend.url}spreed-ts/call-app.js`);
      assert.equal(script.status, 200);
      assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.equal(await script.text(), 'console.log("call app");\n');
      assert.equal((await fetch(`${backend.url}spreed-ts/call-app.js.map`)).status, 200);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'call page - without a built bundle it says how to build it; false gives the plain page',
  T,
  async () => {
    await withBackend({ callAppBundle: '/nonexistent/call-app.js' }, async (backend, token) => {
      const html = await (await fetch(`${backend.url}call/${token}`)).text();
      assert.match(html, /not built.*npm run build/s);
      assert.doesNotMatch(html, /<script/);
      assert.equal((await fetch(`${backend.url}spreed-ts/call-app.js`)).status, 404);
    });
    await withBackend({ callAppBundle: false }, async (backend, token) => {
      const html = await (await fetch(`${backend.url}call/${token}`)).text();
      assert.match(html, /data-requesttoken/);
      assert.doesNotMatch(html, /call-join|not built/);
    });
  },
);

test('call page - the default bundle is the client package build output of this repository', () => {
  assert.match(defaultCallAppBundle(), /packages\/client\/dist\/bundle\/call-app\.js$/);
});
