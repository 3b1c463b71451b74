import type { BackendClientObserver } from '../backend/backend-client.js';
import type { BackendFailure } from '../backend/backend-errors.js';
import type { HubObserver } from '../hub/hub.js';
import type { ThrottleObserver } from '../hub/throttle.js';
import type { ConnectionObserver } from '../transport/client-connection.js';
import type { SignalingMetrics } from './signaling-metrics.js';

/**
 * Upstream's `error` label values of `signaling_backend_client_requests_errors_total` for our
 * failure kinds (talk/backend_client.go names them after the step that failed).
 */
const BACKEND_ERROR_LABELS: Record<BackendFailure | 'other', string> = {
  timeout: 'timeout',
  unreachable: 'unknown',
  invalid_content_type: 'invalid_content_type',
  invalid_json: 'error_decoding_ocs',
  incomplete_ocs: 'error_incomplete_ocs',
  throttled: 'throttled',
  other: 'unknown',
};

/** Session and message counters of the hub. */
export function hubObserver(metrics: SignalingMetrics): HubObserver {
  // Message types are a small fixed set (unknown ones arrive as "unsupported").
  const perType = new Map<string, (by?: number) => void>();
  return {
    message: (type) => {
      let inc = perType.get(type);
      if (inc === undefined) {
        inc = metrics.serverMessagesTotal.bind({ type });
        perType.set(type, inc);
      }
      inc();
    },
    sessionAdded: (session) => {
      const labels = { backend: session.backend.id, clienttype: session.clientType };
      metrics.hubSessions.inc(labels);
      metrics.hubSessionsTotal.inc(labels);
    },
    sessionRemoved: (session) =>
      metrics.hubSessions.dec({ backend: session.backend.id, clienttype: session.clientType }),
    sessionResumed: (session) =>
      metrics.hubSessionsResumeTotal.inc({
        backend: session.backend.id,
        clienttype: session.clientType,
      }),
    resumeFailed: () => metrics.hubSessionsResumeFailedTotal.inc(),
    sessionLimitExceeded: (backend) => metrics.backendSessionLimitExceededTotal.inc({ backend }),
    handlerFailed: () => metrics.clientHandlerErrorsTotal.inc(),
  };
}

/** Traffic and round-trip figures of client WebSockets (one observer shared by all). */
export function connectionObserver(metrics: SignalingMetrics): ConnectionObserver {
  const incoming = { direction: 'incoming' };
  const outgoing = { direction: 'outgoing' };
  const bytesIn = metrics.clientBytesTotal.bind(incoming);
  const bytesOut = metrics.clientBytesTotal.bind(outgoing);
  const messagesIn = metrics.clientMessagesTotal.bind(incoming);
  const messagesOut = metrics.clientMessagesTotal.bind(outgoing);
  return {
    received: (bytes) => {
      bytesIn(bytes);
      messagesIn();
    },
    sent: (bytes) => {
      bytesOut(bytes);
      messagesOut();
    },
    pingSent: (bytes) => bytesOut(bytes),
    pong: (bytes, rttMs) => {
      bytesIn(bytes);
      if (rttMs !== undefined) {
        metrics.clientRtt.observe(undefined, rttMs);
      }
    },
  };
}

/** Request counts, durations and failures of requests to Nextcloud. */
export function backendClientObserver(metrics: SignalingMetrics): BackendClientObserver {
  return {
    requestStarted: (_backend, host) => metrics.httpClientPoolConnections.inc({ host }),
    requestFinished: (backend, host, seconds, failure) => {
      metrics.httpClientPoolConnections.dec({ host });
      metrics.backendClientRequestsTotal.inc({ backend: backend.id });
      metrics.backendClientRequestsDuration.observe({ backend: backend.id }, seconds);
      if (failure !== undefined) {
        metrics.backendClientRequestsErrorsTotal.inc({
          backend: backend.id,
          error: BACKEND_ERROR_LABELS[failure],
        });
      }
    },
  };
}

/** Brute-force protection counters; `delay` is the penalty in milliseconds, as upstream. */
export function throttleObserver(metrics: SignalingMetrics): ThrottleObserver {
  return {
    delayed: (action, delayMs) =>
      metrics.throttleDelayedTotal.inc({ action, delay: String(delayMs) }),
    blocked: (action) => metrics.throttleBruteforceTotal.inc({ action }),
  };
}
