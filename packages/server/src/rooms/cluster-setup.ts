import type { Bus } from '../bus/bus.js';
import { registerClusterMetrics } from '../bus/cluster-metrics.js';
import { HubClusterLink } from '../bus/hub-cluster.js';
import { InProcessBus } from '../bus/in-process-bus.js';
import { Peers } from '../bus/peers.js';
import type { ServerInfoNats } from '../ops/server-info.js';
import type { SignalingServer } from '../server.js';
import { VERSION } from '../version.js';
import type { RoomManagerOptions } from './room-manager.js';

/** Cluster knobs (tests). */
export interface ClusterTuning {
  /** Heartbeat interval (default `[nats] heartbeat`). */
  heartbeatMs?: number | undefined;
  /** How long a room new here waits for the other servers' state. */
  syncTimeoutMs?: number | undefined;
  /** How long a resume waits for the server of a session. */
  resumeTimeoutMs?: number | undefined;
}

/** The cluster side of a server, before and after the rooms feature exists. */
export interface ClusterSetup {
  readonly bus: Bus;
  readonly peers: Peers;
  /** What the room manager needs. */
  readonly managerOptions: Required<Pick<RoomManagerOptions, 'cluster' | 'backends'>>;
  /** Plugs into the hub and starts the heartbeats (after the room manager started). */
  start(): void;
  /** Says goodbye, stops, closes the bus. */
  close(): Promise<void>;
}

/**
 * Prepares the server's part of a cluster on `bus` (default: an in-process bus of its own, i.e. a
 * server alone): heartbeats ({@link Peers}), the hub's cluster link (session counts, resume on
 * another server), metrics and the serverinfo report.
 */
export function prepareCluster(
  server: SignalingServer,
  tuning: ClusterTuning,
  bus: Bus = new InProcessBus({ logger: server.logger }),
): ClusterSetup {
  const logger = server.logger;
  const peers = new Peers({
    bus,
    logger,
    version: VERSION,
    intervalMs: tuning.heartbeatMs ?? server.config.nats.heartbeatMs,
  });
  const linkOptions: ConstructorParameters<typeof HubClusterLink>[0] = {
    bus,
    peers,
    hub: server.hub,
    logger,
  };
  if (tuning.resumeTimeoutMs !== undefined) {
    linkOptions.resumeTimeoutMs = tuning.resumeTimeoutMs;
  }
  const link = new HubClusterLink(linkOptions);
  const cluster: RoomManagerOptions['cluster'] & {} = { bus, peers };
  if (tuning.syncTimeoutMs !== undefined) {
    cluster.syncTimeoutMs = tuning.syncTimeoutMs;
  }
  let closing: Promise<void> | undefined;
  return {
    bus,
    peers,
    managerOptions: { cluster, backends: (id) => server.backends.byId(id) },
    start() {
      server.hub.setCluster(link);
      registerClusterMetrics(server.metrics.registry, { bus, peers, link });
      if (bus.info().kind === 'nats') {
        server.ops.natsInfo = () => natsInfo(bus);
      }
      link.start();
      peers.start();
    },
    close() {
      closing ??= (async () => {
        peers.close();
        link.stop();
        server.hub.setCluster(undefined);
        await bus.close();
      })();
      return closing;
    },
  };
}

/** `nats` of `/api/v1/serverinfo`. */
function natsInfo(bus: Bus): ServerInfoNats {
  const info = bus.info();
  const nats: ServerInfoNats = { urls: info.urls, connected: info.connected };
  if (info.connectedUrl !== undefined) {
    nats.serverurl = info.connectedUrl;
  }
  if (info.natsServerId !== undefined) {
    nats.serverid = info.natsServerId;
  }
  if (info.natsVersion !== undefined) {
    nats.version = info.natsVersion;
  }
  return nats;
}
