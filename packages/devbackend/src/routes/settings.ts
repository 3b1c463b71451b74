import { createHmac } from 'node:crypto';
import { sendOcs } from '../http/ocs.js';
import type { RequestContext } from '../http/request-context.js';
import type { Router } from '../http/router.js';
import { nowSeconds, randomString } from '../model/random.js';
import { visibleRoom } from './caller.js';
import type { RouteDeps, TurnServerConfig } from './route-deps.js';

function turnEntry(server: TurnServerConfig): Record<string, unknown> {
  const urls: string[] = [];
  for (const scheme of server.schemes.split(',')) {
    for (const proto of server.protocols.split(',')) {
      urls.push(`${scheme.trim()}:${server.server}?transport=${proto.trim()}`);
    }
  }
  if (server.secret !== undefined && server.secret !== '') {
    // REST-style credentials valid for a day (Talk `Config::getTurnSettings`).
    const username = `${nowSeconds() + 86400}:${randomString(16)}`;
    const credential = createHmac('sha1', server.secret).update(username).digest('base64');
    return { urls, username, credential };
  }
  return { urls, username: server.username ?? '', credential: server.password ?? '' };
}

function handleSettings(deps: RouteDeps, ctx: RequestContext): void {
  const token = typeof ctx.params.token === 'string' ? ctx.params.token : '';
  if (token !== '' && visibleRoom(deps, ctx, token) === undefined) {
    sendOcs(ctx.res, 404, null);
    return;
  }
  const userId = ctx.userId ?? null;
  const server = deps.settings.signalingUrl() ?? '';
  const ticket = deps.tickets.ticketFor(userId);
  const stun = deps.settings.stunServers.filter((s) => s !== '').map((s) => `stun:${s}`);
  sendOcs(ctx.res, 200, {
    signalingMode: server === '' ? 'internal' : 'external',
    userId,
    hideWarning: server !== '',
    server,
    ticket,
    helloAuthParams: {
      '1.0': { userid: userId, ticket },
      '2.0': { token: deps.helloV2Token(userId) },
    },
    federation: null,
    stunservers: stun.length === 0 ? [] : [{ urls: stun }],
    turnservers: deps.settings.turnServers.map(turnEntry),
    sipDialinInfo: '',
  });
}

/** `GET …/api/v3/signaling/settings?token=` (Talk `SignalingController::getSettings`). */
export function registerSettings(router: Router, deps: RouteDeps): void {
  router.add(
    'GET',
    '/ocs/v2.php/apps/spreed/api/v3/signaling/settings',
    (ctx) => handleSettings(deps, ctx),
    { ocs: true },
  );
}
