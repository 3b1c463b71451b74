import type { MetricsRegistry } from '../metrics/registry.js';
import type { Bus } from './bus.js';
import type { HubClusterLink } from './hub-cluster.js';
import type { Peers } from './peers.js';

/**
 * Our cluster metrics (upstream has none for NATS; these names are ours):
 * `signaling_nats_connected`, `signaling_nats_reconnects_total`, `signaling_cluster_peers` and
 * `signaling_cluster_relayed_sessions{direction}` (resumed connections relayed to the server of
 * their session, `outgoing`, or relayed here from another server, `incoming`).
 */
export function registerClusterMetrics(
  registry: MetricsRegistry,
  sources: { bus: Bus; peers: Peers; link: HubClusterLink },
): void {
  const { bus, peers, link } = sources;
  registry.callback({
    name: 'signaling_nats_connected',
    help: 'Whether the connection to NATS (or the embedded bus) is up',
    type: 'gauge',
    collect: () => [[{}, bus.connected ? 1 : 0]],
  });
  const reconnects = registry.counter({
    name: 'signaling_nats_reconnects_total',
    help: 'The total number of times the connection to NATS was re-established',
  });
  bus.events.on('reconnected', () => reconnects.inc());
  registry.callback({
    name: 'signaling_cluster_peers',
    help: 'The current number of other signaling servers in the cluster',
    type: 'gauge',
    collect: () => [[{}, peers.size]],
  });
  registry.callback({
    name: 'signaling_cluster_relayed_sessions',
    help: 'The current number of resumed connections relayed between servers',
    labels: ['direction'],
    type: 'gauge',
    collect: () => {
      const { outgoing, incoming } = link.relayCount;
      return [
        [{ direction: 'outgoing' }, outgoing],
        [{ direction: 'incoming' }, incoming],
      ];
    },
  });
}
