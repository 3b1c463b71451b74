import { send } from '../http/ocs.js';
import { type RequestContext, stringParam } from '../http/request-context.js';
import type { Router } from '../http/router.js';
import { RoomTypes } from '../model/constants.js';
import { CALL_APP_PATH, callAppAvailable } from './call-app.js';
import { CALL_PAGE_CSS, FAVICON_LINK } from './call-page-style.js';
import type { RouteDeps } from './route-deps.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The call page below the conversation placeholder: name, Join / Mute / Leave, the connection
 * state, the participants, the chat and a status log, driven by the client's browser bundle
 * (`packages/client/call-app/call-app.ts`), which joins as a guest and the call with the
 * microphone. Without a built bundle the page says how to build it.
 */
function callUi(deps: RouteDeps, roomName: string): string {
  if (deps.settings.callAppBundle === undefined) {
    return '';
  }
  if (!callAppAvailable(deps)) {
    return `<p id="call-missing">The call page script is not built (${escapeHtml(
      deps.settings.callAppBundle,
    )}): run <code>npm run build</code>.</p>`;
  }
  return `<section id="spreed-call">
<header class="call-head"><h1>${escapeHtml(roomName)}</h1>
<span id="call-state" data-state="idle" role="status">Not in the call</span></header>
<p class="lead">spreed-ts development call page: joins this conversation as a guest and its call
with your microphone, and plays the other participants.</p>
<div class="controls"><label>Name <input id="call-name" value="Browser guest"></label>
<button id="call-join" class="primary" disabled>Join call</button>
<button id="call-mute" aria-pressed="false" disabled>Mute</button>
<button id="call-leave" class="danger" disabled>Leave</button></div>
<div class="grid">
<section class="panel"><h2>Participants</h2><ul id="call-participants"><li class="empty">Join to see who is here</li></ul></section>
<section class="panel" id="call-chat"><h2>Chat</h2><ol id="chat-messages"></ol>
<form id="chat-form"><input id="chat-input" placeholder="Write a message" autocomplete="off" disabled>
<button id="chat-send" type="submit" disabled>Send</button></form></section>
</div>
<details><summary>Status log</summary><pre id="call-log"></pre></details>
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
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${FAVICON_LINK}
<style>${CALL_PAGE_CSS}</style>
</head>
<body id="${user === undefined ? 'body-public' : 'body-user'}">
${
  visible
    ? `<div id="content" class="app-spreed" role="main" data-token="${escapeHtml(token)}"></div>
${callUi(deps, room.name)}`
    : '<div class="body-login-container"><h2 id="call-error">Conversation not found</h2><p>The link is wrong, or the conversation was deleted.</p></div>'
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
