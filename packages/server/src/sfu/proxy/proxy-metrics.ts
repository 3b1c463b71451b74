import type { MetricsRegistry } from '../../metrics/registry.js';
import type { ProxySfu } from './proxy-sfu.js';

/**
 * Upstream's metrics of the proxy SFU (sfu/proxy/stats_prometheus.go), collected at scrape time:
 * `signaling_mcu_backend_connections{country}` (connected proxies by their country),
 * `signaling_mcu_backend_load{url}`, `signaling_mcu_backend_usage{url,direction}` (percent),
 * `signaling_mcu_backend_bandwidth{url,direction}` (bytes per second) and
 * `signaling_mcu_no_backend_available_total{type}` (publishing requests no proxy took).
 */
export function registerProxyMetrics(registry: MetricsRegistry, sfu: ProxySfu): void {
  registry.callback<'country'>({
    name: 'signaling_mcu_backend_connections',
    help: 'Current number of connections to signaling proxy backends',
    labels: ['country'],
    type: 'gauge',
    collect: () => {
      const byCountry = new Map<string, number>();
      for (const c of sfu.connections) {
        if (c.ready) {
          byCountry.set(c.country, (byCountry.get(c.country) ?? 0) + 1);
        }
      }
      return [...byCountry].map(([country, n]) => [{ country }, n] as const);
    },
  });
  registry.callback<'url'>({
    name: 'signaling_mcu_backend_load',
    help: 'Current load of signaling proxy backends',
    labels: ['url'],
    type: 'gauge',
    collect: () => sfu.connections.map((c) => [{ url: c.url }, c.ready ? c.load : 0] as const),
  });
  registry.callback<'url' | 'direction'>({
    name: 'signaling_mcu_backend_usage',
    help: 'The current usage of signaling proxy backends in percent',
    labels: ['url', 'direction'],
    type: 'gauge',
    collect: () =>
      sfu.connections.flatMap((c) => [
        [{ url: c.url, direction: 'incoming' }, c.bandwidth?.incoming ?? 0] as const,
        [{ url: c.url, direction: 'outgoing' }, c.bandwidth?.outgoing ?? 0] as const,
      ]),
  });
  registry.callback<'url' | 'direction'>({
    name: 'signaling_mcu_backend_bandwidth',
    help: 'The current bandwidth of signaling proxy backends in bytes per second',
    labels: ['url', 'direction'],
    type: 'gauge',
    collect: () =>
      sfu.connections.flatMap((c) => [
        [{ url: c.url, direction: 'incoming' }, (c.bandwidth?.received ?? 0) / 8] as const,
        [{ url: c.url, direction: 'outgoing' }, (c.bandwidth?.sent ?? 0) / 8] as const,
      ]),
  });
  registry.callback<'type'>({
    name: 'signaling_mcu_no_backend_available_total',
    help: 'Total number of publishing requests where no backend was available',
    labels: ['type'],
    type: 'counter',
    collect: () => [...sfu.noBackendAvailable].map(([type, n]) => [{ type }, n] as const),
  });
}
