import { send } from '../http/ocs.js';
import { type RequestContext, stringParam } from '../http/request-context.js';
import type { Router } from '../http/router.js';
import { RoomTypes } from '../model/constants.js';
import { CALL_APP_PATH, callAppAvailable } from './call-app.js';
import type { RouteDeps } from './route-deps.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The minimal call page below the conversation placeholder: a name, Join/Leave buttons, a status
 * log and the participants with their audio level, driven by the client's browser bundle
 * (`packages/client/call-app/call-app.ts`), which joins as a guest and the call with the
 * microphone. Without a built bundle the page says how to build it.
 */
function callUi(deps: RouteDeps): string {
  if (deps.settings.callAppBundle === undefined) {
    return '';
  }
  if (!callAppAvailable(deps)) {
    return `<p id="call-missing">The call page script is not built (${escapeHtml(
      deps.settings.callAppBundle,
    )}): run <code>npm run build</code>.</p>`;
  }
  return `<section id="spreed-call">
<h1>Call</h1>
<p>spreed-ts development call page: joins this conversation as a guest and its call with your
microphone, and plays the other participants.</p>
<p><label>Name <input id="call-name" value="Browser guest"></label>
<button id="call-join" disabled>Join call</button>
<button id="call-leave" disabled>Leave</button></p>
<ul id="call-peers"></ul>
<pre id="call-log"></pre>
</section>
<script type="module" src="${CALL_APP_PATH}"></script>`;
}

/**
 * `GET /call/{token}` and `/index.php/call/{token}`: the public conversation page. A client only
 * needs the cookies it sets and the `data-requesttoken` in `<head>`; a browser gets the call page
 * ({@link callUi}). A `POST` with `password` stores the password in the PHP session like Talk's
 * password form.
 */
function callPage(deps: RouteDeps, ctx: RequestContext, token: string): void {
  const room = deps.model.room(token);
  const user = ctx.userId === undefined ? undefined : deps.model.users.get(ctx.userId);
  const visible =
    room !== undefined &&
    (room.type === RoomTypes.public ||
      (user !== undefined && deps.model.attendeeByActor(room, 'users', user.id) !== undefined));
  if (ctx.method === 'POST' && room !== undefined) {
    ctx.php.roomPasswords.set(token, stringParam(ctx, 'password'));
  }
  const title = visible ? `${escapeHtml(room.name)} - Talk - Nextcloud` : 'Nextcloud';
  const html = `<!DOCTYPE html>
<html class="ng-csp" data-placeholder-focus="false" lang="en" data-locale="en" translate="no">
<head data-user="${escapeHtml(user?.id ?? '')}" data-user-displayname="${escapeHtml(
    user?.displayName ?? '',
  )}" data-requesttoken="${escapeHtml(ctx.php.requestToken)}">
<meta charset="utf-8">
<title>${title}</title>
</head>
<body id="${user === undefined ? 'body-public' : 'body-user'}">
${
  visible
    ? `<div id="content" class="app-spreed" role="main" data-token="${escapeHtml(token)}"></div>
${callUi(deps)}`
    : '<div class="body-login-container"><h2>Conversation not found</h2></div>'
}
</body>
</html>
`;
  send(ctx.res, visible ? 200 : 404, html, { 'Content-Type': 'text/html; charset=utf-8' });
}

function statusPage(deps: RouteDeps, ctx: RequestContext): void {
  const version = deps.settings.nextcloudVersion;
  send(
    ctx.res,
    200,
    JSON.stringify({
      installed: true,
      maintenance: false,
      needsDbUpgrade: false,
      version: `${version}.0`,
      versionstring: version,
      edition: '',
      productname: 'Nextcloud',
      extendedSupport: false,
    }),
    { 'Content-Type': 'application/json' },
  );
}

/** HTML pages and `status.php`. */
export function registerPages(router: Router, deps: RouteDeps): void {
  for (const prefix of ['', '/index.php']) {
    router.add(['GET', 'POST'], `${prefix}/call/:token`, (ctx, p) =>
      callPage(deps, ctx, p.token ?? ''),
    );
  }
  router.add('GET', '/status.php', (ctx) => statusPage(deps, ctx));
}
