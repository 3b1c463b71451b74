export { EXPOSITION_CONTENT_TYPE, formatFloat } from './exposition.js';
export {
  backendClientObserver,
  connectionObserver,
  hubObserver,
  throttleObserver,
} from './observers.js';
export { ProcessMetrics } from './process-metrics.js';
export {
  Counter,
  exponentialBucketsRange,
  Gauge,
  Histogram,
  type LabelValues,
  MetricsRegistry,
} from './registry.js';
export { type ClientTypeLabel, RoomMetrics } from './room-metrics.js';
export { SignalingMetrics } from './signaling-metrics.js';
