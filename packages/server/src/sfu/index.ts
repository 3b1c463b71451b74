export { attachSfu, type SfuFeature, type SfuTuning } from './attach-sfu.js';
export { candidateFilter, createSfu } from './create-sfu.js';
export { JanusError, SfuClosedError, SfuPermissionError, SfuTimeoutError } from './errors.js';
export { JanusChannel, type JanusChannelOptions } from './janus/janus-channel.js';
export { JANUS_TIMINGS, JanusGateway, type JanusServerInfo } from './janus/janus-gateway.js';
export { JanusSfu, type JanusSfuOptions } from './janus/janus-sfu.js';
export { MCU_TYPES, type McuData, type StreamType } from './mcu-data.js';
export type { CallState } from './session-media.js';
export {
  MediaTypes,
  NoSfu,
  type PublisherSettings,
  type Sfu,
  type SfuClient,
  type SfuEvents,
  type SfuLimits,
  type SfuPublisher,
  type SfuSubscriber,
} from './sfu.js';
export type { SfuLifecycle, SfuRoomsView } from './sfu-lifecycle.js';
export { SCREEN_CLOSE_DELAY_MS, SfuMessageRouter } from './sfu-message-router.js';
export { SfuModeTracker } from './sfu-mode.js';
