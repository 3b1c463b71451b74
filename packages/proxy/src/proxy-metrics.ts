/**
 * The proxy's Prometheus metrics under upstream's names (`signaling_proxy_*` of
 * proxy_stats_prometheus.go) plus the SFU object gauges upstream's Janus code registers
 * (`signaling_mcu_publishers{type}`, `signaling_mcu_subscribers{type}`) and Node process metrics.
 */
import {
  type Counter,
  type Gauge,
  MetricsRegistry,
  ProcessMetrics,
  type Sfu,
} from '@spreed-ts/server';

const STREAM_TYPES = ['video', 'screen'] as const;

/** Command types of the proxy API: a peer's other types are counted as `unknown`. */
const COMMAND_TYPES: ReadonlySet<string> = new Set([
  'create-publisher',
  'create-subscriber',
  'delete-publisher',
  'delete-subscriber',
  'publish-remote',
  'unpublish-remote',
  'get-publisher-streams',
]);

/** Payload types of the proxy API: a peer's other types are counted as `unknown`. */
const PAYLOAD_TYPES: ReadonlySet<string> = new Set([
  'offer',
  'answer',
  'candidate',
  'endOfCandidates',
  'requestoffer',
  'sendoffer',
  'selectStream',
]);

/**
 * The `type` label of a command or payload message: the peer chooses the type, and one series per
 * string it sends would let it grow the metrics (and the proxy's memory) without end.
 */
export function messageTypeLabel(kind: 'command' | 'payload', type: string): string {
  return (kind === 'command' ? COMMAND_TYPES : PAYLOAD_TYPES).has(type) ? type : 'unknown';
}

export class ProxyMetrics {
  readonly registry = new MetricsRegistry();
  readonly sessions: Gauge = this.registry.gauge({
    name: 'signaling_proxy_sessions',
    help: 'The current number of sessions',
  });
  readonly sessionsTotal: Counter = this.registry.counter({
    name: 'signaling_proxy_sessions_total',
    help: 'The total number of created sessions',
  });
  readonly sessionsResumedTotal: Counter = this.registry.counter({
    name: 'signaling_proxy_sessions_resumed_total',
    help: 'The total number of resumed sessions',
  });
  readonly publishers: Gauge<'type'> = this.registry.gauge<'type'>({
    name: 'signaling_proxy_publishers',
    help: 'The current number of publishers',
    labels: ['type'],
  });
  readonly publishersTotal: Counter<'type'> = this.registry.counter<'type'>({
    name: 'signaling_proxy_publishers_total',
    help: 'The total number of created publishers',
    labels: ['type'],
  });
  readonly subscribers: Gauge<'type'> = this.registry.gauge<'type'>({
    name: 'signaling_proxy_subscribers',
    help: 'The current number of subscribers',
    labels: ['type'],
  });
  readonly subscribersTotal: Counter<'type'> = this.registry.counter<'type'>({
    name: 'signaling_proxy_subscribers_total',
    help: 'The total number of created subscribers',
    labels: ['type'],
  });
  readonly commandMessagesTotal: Counter<'type'> = this.registry.counter<'type'>({
    name: 'signaling_proxy_command_messages_total',
    help: 'The total number of command messages',
    labels: ['type'],
  });
  readonly payloadMessagesTotal: Counter<'type'> = this.registry.counter<'type'>({
    name: 'signaling_proxy_payload_messages_total',
    help: 'The total number of payload messages',
    labels: ['type'],
  });
  readonly tokenErrorsTotal: Counter<'reason'> = this.registry.counter<'reason'>({
    name: 'signaling_proxy_token_errors_total',
    help: 'The total number of token errors',
    labels: ['reason'],
  });
  readonly load: Gauge = this.registry.gauge({
    name: 'signaling_proxy_load',
    help: 'The current load of the signaling proxy',
  });

  constructor() {
    new ProcessMetrics(this.registry);
    this.load.set(undefined, 0);
    this.sessions.set(undefined, 0);
  }

  /** Registers the SFU's object gauges. */
  observeSfu(sfu: Sfu): void {
    const byType = (pick: 'publishers' | 'subscribers') => () => {
      const counts = sfu.streamCounts()[pick];
      return STREAM_TYPES.map((type) => [{ type }, counts[type]] as const);
    };
    this.registry.callback({
      name: 'signaling_mcu_publishers',
      help: 'The current number of publishers',
      labels: ['type'],
      type: 'gauge',
      collect: byType('publishers'),
    });
    this.registry.callback({
      name: 'signaling_mcu_subscribers',
      help: 'The current number of subscribers',
      labels: ['type'],
      type: 'gauge',
      collect: byType('subscribers'),
    });
  }
}
