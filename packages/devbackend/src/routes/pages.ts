import { send } from '../http/ocs.js';
import { type RequestContext, stringParam } from '../http/request-context.js';
import type { Router } from '../http/router.js';
import { RoomTypes } from '../model/constants.js';
import type { RouteDeps } from './route-deps.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `GET /call/{token}` and `/index.php/call/{token}`: the public conversation page. A client only
 * needs the cookies it sets and the `data-requesttoken` in `<head>`. A `POST` with `password`
 * stores the password in the PHP session like Talk's password form.
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
    ? `<div id="content" class="app-spreed" role="main" data-token="${escapeHtml(token)}"></div>`
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
