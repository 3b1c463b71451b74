import type { MetricsRegistry } from '../metrics/registry.js';
import type { Sfu } from './sfu.js';
import type { LookupResult } from './sfu-cluster.js';

const STREAM_TYPES = ['video', 'screen'] as const;

/**
 * SFU metrics. Upstream's names where it has them: `signaling_mcu_publishers{type}` and
 * `signaling_mcu_subscribers{type}` (current objects by stream type). Upstream has no metric for
 * subscriptions across servers (its GRPC lookups are counted only as GRPC calls), so these are ours:
 * `signaling_mcu_remote_subscribers{type}`, the subscribers here to publishers on other servers of
 * the cluster, and `signaling_mcu_publisher_lookups_total{result}`, the cluster lookups for
 * publishers that are not here (`found`, `not_found`). Returns the lookup counter.
 */
export function registerSfuMetrics(
  registry: MetricsRegistry,
  sfu: Sfu,
): (result: LookupResult) => void {
  const byType =
    (pick: (counts: ReturnType<Sfu['streamCounts']>) => Record<string, number>) => () => {
      const counts = pick(sfu.streamCounts());
      return STREAM_TYPES.map((type) => [{ type }, counts[type] ?? 0] as const);
    };
  registry.callback({
    name: 'signaling_mcu_publishers',
    help: 'The current number of publishers',
    labels: ['type'],
    type: 'gauge',
    collect: byType((c) => c.publishers),
  });
  registry.callback({
    name: 'signaling_mcu_subscribers',
    help: 'The current number of subscribers',
    labels: ['type'],
    type: 'gauge',
    collect: byType((c) => c.subscribers),
  });
  registry.callback({
    name: 'signaling_mcu_remote_subscribers',
    help: 'The current number of subscribers to publishers on other servers of the cluster',
    labels: ['type'],
    type: 'gauge',
    collect: byType((c) => c.remoteSubscribers),
  });
  const lookups = registry.counter<'result'>({
    name: 'signaling_mcu_publisher_lookups_total',
    help: 'The total number of cluster lookups for publishers on other servers',
    labels: ['result'],
  });
  return (result) => lookups.inc({ result });
}

/**
 * `mcu` of `/api/v1/stats`: the objects by stream type, remote subscribers among them, and what the
 * SFU adds (the proxies).
 */
export function sfuStats(sfu: Sfu): Record<string, unknown> {
  const counts = sfu.streamCounts();
  return {
    publishers: counts.publishers,
    subscribers: counts.subscribers,
    remotesubscribers: counts.remoteSubscribers,
    ...sfu.stats?.(),
  };
}
