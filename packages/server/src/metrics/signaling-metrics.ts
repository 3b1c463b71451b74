import {
  type Counter,
  exponentialBucketsRange,
  type Gauge,
  type Histogram,
  MetricsRegistry,
} from './registry.js';

/**
 * Upstream's metrics that this server produces, with upstream's names, types, labels and buckets
 * (docs/prometheus-metrics.md of nextcloud-spreed-signaling). Help texts are ours. One instance per
 * server, so in-process test servers do not share counters.
 *
 * Label values: `backend` is the backend id (`compat` for allowall and the legacy form),
 * `clienttype` one of `client`, `internal`, `federation`, `virtual`.
 */
export class SignalingMetrics {
  readonly registry: MetricsRegistry;

  /** Client messages accepted by the hub, by message type. */
  readonly serverMessagesTotal: Counter<'type'>;
  /** Rooms that currently exist, per backend. */
  readonly hubRooms: Gauge<'backend'>;
  readonly hubSessions: Gauge<'backend' | 'clienttype'>;
  readonly hubSessionsTotal: Counter<'backend' | 'clienttype'>;
  readonly hubSessionsResumeTotal: Counter<'backend' | 'clienttype'>;
  readonly hubSessionsResumeFailedTotal: Counter;
  readonly roomSessions: Gauge<'backend' | 'room' | 'clienttype'>;
  readonly callSessions: Gauge<'backend' | 'room' | 'clienttype'>;
  readonly callSessionsTotal: Counter<'backend' | 'clienttype'>;
  readonly callRoomsTotal: Counter<'backend'>;
  /** WebSocket ping round trips in milliseconds. */
  readonly clientRtt: Histogram;
  readonly clientBytesTotal: Counter<'direction'>;
  readonly clientMessagesTotal: Counter<'direction'>;
  readonly backendSessionLimitExceededTotal: Counter<'backend'>;
  readonly backendClientRequestsTotal: Counter<'backend'>;
  /** Durations in seconds. */
  readonly backendClientRequestsDuration: Histogram<'backend'>;
  readonly backendClientRequestsErrorsTotal: Counter<'backend' | 'error'>;
  /** Requests to Nextcloud in flight, per host (upstream: clients taken from the host's pool). */
  readonly httpClientPoolConnections: Gauge<'host'>;
  readonly throttleDelayedTotal: Counter<'action' | 'delay'>;
  readonly throttleBruteforceTotal: Counter<'action'>;
  /** Ours: client frames whose handling threw (each closed its session with internal_error). */
  readonly clientHandlerErrorsTotal: Counter<never>;

  constructor(registry: MetricsRegistry = new MetricsRegistry()) {
    this.registry = registry;
    const r = registry;
    this.serverMessagesTotal = r.counter({
      name: 'signaling_server_messages_total',
      help: 'The total number of signaling messages',
      labels: ['type'],
    });
    this.hubRooms = r.gauge({
      name: 'signaling_hub_rooms',
      help: 'The current number of rooms per backend',
      labels: ['backend'],
    });
    this.hubSessions = r.gauge({
      name: 'signaling_hub_sessions',
      help: 'The current number of sessions per backend',
      labels: ['backend', 'clienttype'],
    });
    this.hubSessionsTotal = r.counter({
      name: 'signaling_hub_sessions_total',
      help: 'The total number of sessions per backend',
      labels: ['backend', 'clienttype'],
    });
    this.hubSessionsResumeTotal = r.counter({
      name: 'signaling_hub_sessions_resume_total',
      help: 'The total number of resumed sessions per backend',
      labels: ['backend', 'clienttype'],
    });
    this.hubSessionsResumeFailedTotal = r.counter({
      name: 'signaling_hub_sessions_resume_failed_total',
      help: 'The total number of failed session resume requests',
    });
    this.roomSessions = r.gauge({
      name: 'signaling_room_sessions',
      help: 'The current number of sessions in a room',
      labels: ['backend', 'room', 'clienttype'],
    });
    this.callSessions = r.gauge({
      name: 'signaling_call_sessions',
      help: 'The current number of sessions in a call',
      labels: ['backend', 'room', 'clienttype'],
    });
    this.callSessionsTotal = r.counter({
      name: 'signaling_call_sessions_total',
      help: 'The total number of sessions in a call',
      labels: ['backend', 'clienttype'],
    });
    this.callRoomsTotal = r.counter({
      name: 'signaling_call_rooms_total',
      help: 'The total number of rooms with an active call',
      labels: ['backend'],
    });
    this.clientRtt = r.histogram({
      name: 'signaling_client_rtt',
      help: 'The roundtrip time of WebSocket ping messages in milliseconds',
      buckets: exponentialBucketsRange(1, 30_000, 50),
    });
    this.clientBytesTotal = r.counter({
      name: 'signaling_client_bytes_total',
      help: 'The total number of bytes sent to or received by clients',
      labels: ['direction'],
    });
    this.clientMessagesTotal = r.counter({
      name: 'signaling_client_messages_total',
      help: 'The total number of messages sent to or received by clients',
      labels: ['direction'],
    });
    this.backendSessionLimitExceededTotal = r.counter({
      name: 'signaling_backend_session_limit_exceeded_total',
      help: 'The number of times the session limit exceeded',
      labels: ['backend'],
    });
    this.backendClientRequestsTotal = r.counter({
      name: 'signaling_backend_client_requests_total',
      help: 'The total number of backend client requests',
      labels: ['backend'],
    });
    this.backendClientRequestsDuration = r.histogram({
      name: 'signaling_backend_client_requests_duration',
      help: 'The duration of backend client requests in seconds',
      labels: ['backend'],
      buckets: exponentialBucketsRange(0.01, 30, 30),
    });
    this.backendClientRequestsErrorsTotal = r.counter({
      name: 'signaling_backend_client_requests_errors_total',
      help: 'The total number of backend client requests that had an error',
      labels: ['backend', 'error'],
    });
    this.httpClientPoolConnections = r.gauge({
      name: 'signaling_http_client_pool_connections',
      help: 'The current number of HTTP client connections per host',
      labels: ['host'],
    });
    this.throttleDelayedTotal = r.counter({
      name: 'signaling_throttle_delayed_total',
      help: 'The total number of delayed requests',
      labels: ['action', 'delay'],
    });
    this.throttleBruteforceTotal = r.counter({
      name: 'signaling_throttle_bruteforce_total',
      help: 'The total number of rejected bruteforce requests',
      labels: ['action'],
    });
    this.clientHandlerErrorsTotal = r.counter({
      name: 'signaling_client_handler_errors_total',
      help: 'The total number of client messages whose handling failed (the session was closed)',
    });
  }

  /**
   * Registers the backend configuration gauges (`signaling_backend_current`,
   * `signaling_backend_session_limit`), read from `backends()` at scrape time so a SIGHUP reload
   * shows at once.
   */
  watchBackends(backends: () => readonly { id: string; sessionLimit: number }[]): void {
    this.registry.callback({
      name: 'signaling_backend_current',
      help: 'The current number of configured backends',
      type: 'gauge',
      collect: () => [[{}, backends().length]],
    });
    this.registry.callback<'backend'>({
      name: 'signaling_backend_session_limit',
      help: 'The session limit of a backend',
      type: 'gauge',
      labels: ['backend'],
      collect: () =>
        backends()
          .filter((b) => b.sessionLimit > 0)
          .map((b) => [{ backend: b.id }, b.sessionLimit] as const),
    });
  }
}
