import type { ClientMessage } from '@spreed-ts/protocol';
import type { BackendClient } from '../backend/backend-client.js';
import type { Backend } from '../backend/backend-registry.js';
import type { CapabilitiesCache } from '../backend/capabilities.js';
import type { FederationSettings } from '../federation/federation-client.js';
import { Federations, isFederatedRequest } from '../federation/federations.js';
import type { ClientSession } from '../hub/client-session.js';
import type { SessionMessageHandler } from '../hub/hub.js';
import type { Logger } from '../logger.js';
import { RoomsBackendApi } from './backend-api-processor.js';
import { RoomsCluster, type RoomsClusterOptions } from './cluster-rooms.js';
import { Dialout } from './dialout.js';
import { InternalMessages } from './internal-messages.js';
import { Membership, type SfuLimits } from './membership.js';
import { Messaging } from './messaging.js';
import { ParticipantStore } from './participant-store.js';
import type { RoomObserver } from './room-observer.js';
import { RoomPing } from './room-ping.js';
import { RoomRegistry } from './room-registry.js';
import { RoomSessionMap } from './room-session-map.js';
import { Router } from './router.js';
import type { NotInSameCall } from './same-call.js';
import type { Scheduler } from './scheduler.js';
import type { SessionControl } from './session-control.js';
import { handleTransient } from './transient-requests.js';
import { VirtualSessions } from './virtual-sessions.js';

/** Everything the rooms feature needs from the server. */
export interface RoomManagerOptions {
  sessions: SessionControl;
  backendClient: Pick<BackendClient, 'signalingRequest'>;
  capabilities: Pick<CapabilitiesCache, 'getConfig'>;
  /** Fresh public session ids for virtual sessions. */
  newPublicId: () => string;
  logger: Logger;
  scheduler?: Scheduler;
  /** Metrics of rooms, members and calls. */
  observer?: RoomObserver;
  sfuLimits?: () => SfuLimits;
  /** Room ping interval (tests). */
  pingIntervalMs?: number;
  /** Dial-out answer timeout (tests). */
  dialoutTimeoutMs?: number;
  /** The other servers of a cluster; absent for a server on its own. */
  cluster?: Omit<RoomsClusterOptions, 'logger'>;
  /** Backends by id (requests passed on by other servers name their backend by id). */
  backends?: (id: string) => Backend | undefined;
  /** `[federation]` settings for joins of rooms on other signaling servers. */
  federation?: FederationSettings;
}

/**
 * The rooms feature: handles the authenticated client messages the hub passes on (`room`,
 * `message`, `control`, `transient`, `internal`), session resume and close, and owns the managers
 * for membership, messaging, virtual sessions, dial-out, room ping and Talk's backend requests.
 */
export class RoomManager implements SessionMessageHandler {
  readonly registry: RoomRegistry;
  readonly roomSessions = new RoomSessionMap();
  readonly participants = new ParticipantStore();
  readonly router: Router;
  readonly membership: Membership;
  readonly messaging: Messaging;
  readonly virtuals: VirtualSessions;
  readonly dialout: Dialout;
  readonly internal: InternalMessages;
  readonly backendApi: RoomsBackendApi;
  readonly ping: RoomPing;
  /** The rooms' side of a cluster (absent for a server on its own). */
  readonly cluster: RoomsCluster | undefined;
  /** Proxied connections of local sessions to rooms on other signaling servers. */
  readonly federations: Federations;
  readonly #logger: Logger;
  readonly #sessions: SessionControl;

  constructor(options: RoomManagerOptions) {
    const { sessions, backendClient, logger, scheduler } = options;
    this.#logger = logger;
    this.#sessions = sessions;
    this.federations = new Federations(
      options.federation ?? { skipVerify: false, timeoutMs: 10_000 },
      logger,
    );
    this.cluster =
      options.cluster === undefined ? undefined : new RoomsCluster({ ...options.cluster, logger });
    const cluster = this.cluster;
    this.registry = new RoomRegistry(scheduler, cluster, options.observer);
    this.virtuals = new VirtualSessions({
      registry: this.registry,
      roomSessions: this.roomSessions,
      backendClient,
      newPublicId: options.newPublicId,
      logger,
    });
    this.router = new Router(sessions, this.participants, this.virtuals, this.registry.remoteIndex);
    const membershipOptions: ConstructorParameters<typeof Membership>[0] = {
      sessions,
      backendClient,
      registry: this.registry,
      roomSessions: this.roomSessions,
      participants: this.participants,
      logger,
    };
    if (options.sfuLimits) {
      membershipOptions.sfuLimits = options.sfuLimits;
    }
    if (cluster) {
      membershipOptions.cluster = cluster;
    }
    this.membership = new Membership(membershipOptions);
    this.messaging = new Messaging(this.router, logger, cluster);
    const dialoutOptions: ConstructorParameters<typeof Dialout>[0] = {
      sessions,
      participants: this.participants,
      registry: this.registry,
      logger,
    };
    if (scheduler) {
      dialoutOptions.scheduler = scheduler;
    }
    if (options.dialoutTimeoutMs !== undefined) {
      dialoutOptions.timeoutMs = options.dialoutTimeoutMs;
    }
    this.dialout = new Dialout(dialoutOptions);
    this.internal = new InternalMessages(this.virtuals, this.dialout, logger);
    const backendApiOptions: ConstructorParameters<typeof RoomsBackendApi>[0] = {
      registry: this.registry,
      roomSessions: this.roomSessions,
      router: this.router,
      membership: this.membership,
      virtuals: this.virtuals,
      dialout: this.dialout,
      sessions,
      logger,
    };
    if (cluster) {
      backendApiOptions.cluster = cluster;
    }
    if (options.backends) {
      backendApiOptions.backends = options.backends;
    }
    this.backendApi = new RoomsBackendApi(backendApiOptions);
    cluster?.bind({
      registry: this.registry,
      backendRequest: (backendId, roomId, body, stamp) =>
        this.backendApi.processForwarded(backendId, roomId, body, stamp),
      sessionRelay: (to, relay) => this.messaging.deliverToSession(to, relay),
      userRelay: (relay) => this.messaging.deliverToUsers(relay),
      kick: (roomSessionId, except) => this.membership.kickRoomSession(roomSessionId, except),
    });
    const pingOptions: ConstructorParameters<typeof RoomPing>[0] = {
      registry: this.registry,
      backendClient,
      capabilities: options.capabilities,
      logger,
    };
    if (scheduler) {
      pingOptions.scheduler = scheduler;
    }
    if (options.pingIntervalMs !== undefined) {
      pingOptions.intervalMs = options.pingIntervalMs;
    }
    this.ping = new RoomPing(pingOptions);
  }

  handle(session: ClientSession, message: ClientMessage): Promise<void> | undefined {
    const p = this.participants.of(session);
    if (message.type !== 'room' && this.federations.proxy(session, message)) {
      return undefined;
    }
    switch (message.type) {
      case 'room':
        if (isFederatedRequest(message.room)) {
          this.membership.leave(p, true);
          this.#sessions.stopAnonymousTimer(session);
          return this.federations.join(session, message.id, message.room);
        }
        if (message.room.roomid === '' && this.federations.leave(session, message.id)) {
          return undefined;
        }
        this.federations.close(session);
        return this.membership.handleRoom(p, message.id, message.room);
      case 'message':
        this.messaging.handleMessage(p, message.message);
        return undefined;
      case 'control':
        this.messaging.handleControl(p, message.control);
        return undefined;
      case 'transient':
        handleTransient(p, message.id, message.transient);
        return undefined;
      case 'internal':
        return this.internal.handle(p, message.id, message.internal);
      case 'hello':
      case 'bye':
      case 'unsupported':
        return undefined;
    }
  }

  resumed(session: ClientSession, hadParticipantsUpdate: boolean): void {
    const p = this.participants.get(session.publicId);
    const room = p?.room;
    if (p === undefined || room === undefined || hadParticipantsUpdate) {
      return;
    }
    const event = room.participantsEvent();
    if (event) {
      room.publishTo(p, event);
    }
  }

  closed(session: ClientSession): void {
    this.federations.close(session);
    const p = this.participants.get(session.publicId);
    if (p === undefined || p.session !== session) {
      return;
    }
    this.membership.leave(p, true);
    this.virtuals.closeAllOf(p);
    this.dialout.forget(p);
    this.participants.delete(session);
    this.#logger.debug('room state of session dropped', { session: session.publicId });
  }

  /** Why a sender and a recipient are not in the same call (for the SFU). */
  whyNotInSameCall(sender: ClientSession, recipientId: string): NotInSameCall | undefined {
    return this.messaging.whyNotInSameCall(this.participants.of(sender), recipientId);
  }

  /** Starts the room ping (and listening to the other servers of a cluster). */
  start(): void {
    this.cluster?.start();
    this.ping.start();
  }

  /** Stops timers (shutdown). */
  close(): void {
    this.ping.stop();
    this.cluster?.stop();
    this.federations.closeAll();
  }
}
