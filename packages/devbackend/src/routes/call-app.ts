import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { send } from '../http/ocs.js';
import type { Router } from '../http/router.js';
import type { RouteDeps } from './route-deps.js';

/** Where the call page loads its script from. */
export const CALL_APP_PATH = '/spreed-ts/call-app.js';

/**
 * The browser bundle of the call page as `npm run build` leaves it in this repository:
 * `packages/client/dist/bundle/call-app.js` (built by the client's scripts/bundle-browser.mjs).
 * Resolved from this file's place in `packages/devbackend/dist/routes/`; the devbackend never
 * imports the client, it only serves this file.
 */
export function defaultCallAppBundle(): string {
  return fileURLToPath(new URL('../../../client/dist/bundle/call-app.js', import.meta.url));
}

/** Whether the call page script can be served (configured and built). */
export function callAppAvailable(deps: RouteDeps): boolean {
  const bundle = deps.settings.callAppBundle;
  return bundle !== undefined && existsSync(bundle);
}

async function serveFile(deps: RouteDeps, res: Parameters<typeof send>[0], map: boolean) {
  const bundle = deps.settings.callAppBundle;
  if (bundle === undefined) {
    send(res, 404, 'the call page is disabled\n', { 'Content-Type': 'text/plain' });
    return;
  }
  try {
    // Read on every request, so a rebuild is picked up without restarting.
    const body = await readFile(map ? `${bundle}.map` : bundle, 'utf8');
    send(res, 200, body, {
      'Content-Type': map ? 'application/json' : 'text/javascript; charset=utf-8',
    });
  } catch {
    send(res, 404, `${bundle} is not built: run npm run build\n`, {
      'Content-Type': 'text/plain',
    });
  }
}

/** `GET /spreed-ts/call-app.js` (and its source map): the call page's script. */
export function registerCallApp(router: Router, deps: RouteDeps): void {
  router.add('GET', CALL_APP_PATH, (ctx) => serveFile(deps, ctx.res, false));
  router.add('GET', `${CALL_APP_PATH}.map`, (ctx) => serveFile(deps, ctx.res, true));
}
