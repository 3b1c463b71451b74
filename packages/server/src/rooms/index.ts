import type { Bus } from '../bus/bus.js';
import type { Peers } from '../bus/peers.js';
import { SessionIdCodec } from '../hub/session-ids.js';
import type { SignalingServer } from '../server.js';
import { type ClusterTuning, prepareCluster } from './cluster-setup.js';
import { RoomManager, type RoomManagerOptions } from './room-manager.js';

/** Test knobs of {@link startRooms}. */
export type RoomsTuning = Pick<
  RoomManagerOptions,
  'pingIntervalMs' | 'dialoutTimeoutMs' | 'scheduler'
> &
  ClusterTuning;

/** The running rooms feature. */
export interface Rooms {
  readonly manager: RoomManager;
  /** The bus to the other servers of a cluster. */
  readonly bus: Bus;
  /** The other servers of a cluster. */
  readonly peers: Peers;
  /** Stops; in a cluster the others are told first, then the bus is closed. */
  close(): Promise<void>;
}

/**
 * Plugs the rooms feature into a running server: it handles the hub's authenticated client
 * messages and Talk's backend requests, and pings Talk every 10 s for the sessions in rooms. `bus`
 * connects the server to the others of a cluster (default: an in-process bus of its own).
 */
export function startRooms(server: SignalingServer, tuning: RoomsTuning = {}, bus?: Bus): Rooms {
  const { heartbeatMs, syncTimeoutMs, resumeTimeoutMs, ...roomsTuning } = tuning;
  const cluster = prepareCluster(server, { heartbeatMs, syncTimeoutMs, resumeTimeoutMs }, bus);
  const codec = new SessionIdCodec(server.config.sessions.hashKey);
  const manager = new RoomManager({
    sessions: server.hub,
    backendClient: server.backendClient,
    capabilities: server.backendClient.capabilities,
    newPublicId: () => codec.newPublicId(),
    logger: server.logger,
    sfuLimits: () => server.sfu.limits,
    observer: server.roomMetrics,
    federation: server.config.federation,
    ...cluster.managerOptions,
    ...roomsTuning,
  });
  server.hub.setMessageHandler(manager);
  server.setBackendApiProcessor(manager.backendApi);
  manager.start();
  cluster.start();
  return {
    manager,
    bus: cluster.bus,
    peers: cluster.peers,
    close: async () => {
      await cluster.close();
      manager.close();
    },
  };
}

export { type BackendRoomRequest, parseBackendRoomRequest } from './backend-requests.js';
export { type ChatReceiver, shapeChatData } from './chat-relay.js';
export { RoomManager, type RoomManagerOptions } from './room-manager.js';
export { type NotInSameCall, whyNotInSameCall } from './same-call.js';
export { TransientData } from './transient-data.js';
