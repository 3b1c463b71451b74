import { Permissions } from '@spreed-ts/protocol';
import type { ClientSession } from '../hub/client-session.js';
import type { SessionMessageHandler } from '../hub/hub.js';
import type { Rooms } from '../rooms/index.js';
import type { SignalingServer } from '../server.js';
import type { BackendApiProcessor, BackendApiResult } from '../transport/backend-api.js';
import { candidateFilter } from './create-sfu.js';
import { SfuClusterLink } from './sfu-cluster.js';
import type { SfuRoomsView } from './sfu-lifecycle.js';
import { SfuMessageRouter } from './sfu-message-router.js';
import { registerSfuMetrics, sfuStats } from './sfu-metrics.js';
import { SfuModeTracker } from './sfu-mode.js';

/** The SFU plugged into a running server with rooms. */
export interface SfuFeature {
  readonly router: SfuMessageRouter;
  readonly mode: SfuModeTracker;
  /** Stops listening to the SFU (the server closes the SFU itself). */
  close(): void;
}

/** Test knobs of {@link attachSfu}. */
export interface SfuTuning {
  /** Delay before `unshareScreen` closes the screen publisher (upstream: 1 s). */
  screenCloseDelayMs?: number;
  /** Interval of the safety-net reconcile (default 1 s). */
  reconcileIntervalMs?: number;
  /** Budget of a cluster lookup for a publisher on another server (default 500 ms). */
  publisherLookupTimeoutMs?: number;
}

/** The rooms feature seen through the SFU's eyes. */
function roomsView(rooms: Rooms): SfuRoomsView {
  const manager = rooms.manager;
  return {
    hasPermission(session, permission) {
      const p = manager.participants.get(session.publicId);
      if (p === undefined || p.session !== session) {
        return permission !== Permissions.hideDisplayNames;
      }
      return p.hasPermission(permission);
    },
    whyNotInSameCall: (sender, recipientId) => manager.whyNotInSameCall(sender, recipientId),
    callState(session) {
      const p = manager.participants.get(session.publicId);
      const room = p?.session === session ? p.room : undefined;
      if (p === undefined || room === undefined) {
        return { room: undefined, inCall: false };
      }
      return { room: room.key, inCall: room.isInCall(p) };
    },
    userId(session) {
      const p = manager.participants.get(session.publicId);
      return p?.session === session ? p.userId : session.userId;
    },
    recipient(publicId) {
      const member = manager.router.member(publicId);
      if (member === undefined) {
        return undefined;
      }
      const owner = member.kind === 'virtual' ? member.owner : member;
      return owner.session.closed ? undefined : owner.session;
    },
  };
}

/** Runs `after` once `result` settled (at once for a plain value), passing the value through. */
function then<R>(result: R, after: () => void): R {
  if (result instanceof Promise) {
    return result.finally(after) as R;
  }
  after();
  return result;
}

/**
 * Plugs the server's SFU into the message path of the rooms feature: `message` requests of
 * sessions in SFU mode go through the {@link SfuMessageRouter} (everything it does not take is
 * relayed by rooms as before); after every request that may change room or call state or
 * permissions (`room`, `internal`, Talk's backend requests) the SFU objects are reconciled; a
 * closing session loses its objects. The `mcu` features are advertised while the SFU is connected.
 */
export function attachSfu(
  server: SignalingServer,
  rooms: Rooms,
  tuning: SfuTuning = {},
): SfuFeature {
  const sfu = server.sfu;
  const hub = server.hub;
  const mode = new SfuModeTracker(() => hub.sessions.values(), sfu.connected);
  let cluster: SfuClusterLink | undefined;
  const router = new SfuMessageRouter({
    sfu,
    view: roomsView(rooms),
    allowSubscribeAny: () => server.config.app.allowSubscribeAny,
    filter: () => candidateFilter(server.config.mcu),
    usesSfu: (session) => sfu.type !== 'none' && mode.usesSfu(session),
    logger: server.logger,
    relaySendOffer: (to, from, backend, data) =>
      cluster?.sendOffer(to, from, backend, data) ?? false,
    ...(tuning.screenCloseDelayMs === undefined
      ? {}
      : { screenCloseDelayMs: tuning.screenCloseDelayMs }),
  });
  // Publishers on other servers of a cluster: found over the bus, subscribed in their Janus room.
  const onLookup = registerSfuMetrics(server.metrics.registry, sfu);
  server.ops.mcuStats = () => (sfu.type === 'none' ? undefined : sfuStats(sfu));
  server.ops.sfuInfo = () => sfu.serverInfo?.();
  sfu.registerMetrics?.(server.metrics.registry);
  const link = new SfuClusterLink({
    bus: rooms.bus,
    peers: rooms.peers,
    sfu,
    logger: server.logger,
    onLookup,
    onSendOffer: (to, from, backend, data) => router.handleRemoteSendOffer(to, from, backend, data),
    ...(tuning.publisherLookupTimeoutMs === undefined
      ? {}
      : { lookupTimeoutMs: tuning.publisherLookupTimeoutMs }),
  });
  link.start();
  cluster = link;
  const inner = rooms.manager;
  const reconcile = () => router.lifecycle.reconcile();
  const handler: SessionMessageHandler = {
    handle(session: ClientSession, message) {
      switch (message.type) {
        case 'message':
          return router.handleMessage(session, message.id, message.message, () =>
            inner.handle(session, message),
          );
        case 'room':
        case 'internal':
          return then(inner.handle(session, message), reconcile);
        default:
          return inner.handle(session, message);
      }
    },
    resumed(session, hadParticipantsUpdate) {
      mode.resumed(session);
      inner.resumed(session, hadParticipantsUpdate);
    },
    closed(session) {
      router.lifecycle.sessionClosed(session);
      inner.closed(session);
    },
  };
  hub.setMessageHandler(handler);
  const backendApi: BackendApiProcessor = {
    process: (backend, roomId, body, info): BackendApiResult | Promise<BackendApiResult> =>
      then(inner.backendApi.process(backend, roomId, body, info), reconcile),
  };
  server.setBackendApiProcessor(backendApi);

  const connected = () => {
    mode.up();
    hub.setFeatureState({ mcu: true });
  };
  const disconnected = () => {
    mode.down();
    hub.setFeatureState({ mcu: false });
  };
  sfu.on('connected', connected);
  sfu.on('disconnected', disconnected);
  // Room and call state can also change without a request through this server (e.g. events from
  // the other servers of a cluster): a cheap periodic pass over the sessions with SFU objects.
  const timer = setInterval(reconcile, tuning.reconcileIntervalMs ?? 1_000);
  timer.unref();
  if (sfu.connected) {
    hub.setFeatureState({ mcu: true });
  }
  return {
    router,
    mode,
    close() {
      clearInterval(timer);
      link.stop();
      sfu.off('connected', connected);
      sfu.off('disconnected', disconnected);
    },
  };
}
