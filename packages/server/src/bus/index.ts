import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import type { Bus } from './bus.js';
import { InProcessBus } from './in-process-bus.js';
import { NatsBus } from './nats-bus.js';

/**
 * The bus `[nats] url` asks for: a {@link NatsBus} that connects in the background, or, without
 * URLs (unset, `nats://loopback`), the embedded {@link InProcessBus}. Upstream dials
 * nats://127.0.0.1:4222 when the option is unset; we deliberately do not.
 */
export function createBus(config: ServerConfig, logger: Logger): Bus {
  if (config.nats.urls.length === 0) {
    return new InProcessBus({ logger });
  }
  const bus = new NatsBus({ urls: config.nats.urls, logger });
  bus.start();
  return bus;
}

export type {
  Bus,
  BusEvents,
  BusHandler,
  BusInfo,
  BusRequestOptions,
  BusSubscription,
  ReplyFn,
} from './bus.js';
export { decodeBusMessage, encodeBusMessage, parseBusMessage } from './codec.js';
export { HubClusterLink, type HubClusterLinkOptions } from './hub-cluster.js';
export { InProcessBus, type InProcessBusOptions, InProcessNetwork } from './in-process-bus.js';
export type {
  BusMessage,
  MemberState,
  PublisherLocation,
  Received,
  RoomOp,
  RoomState,
} from './messages.js';
export { maskUrl, NatsBus, type NatsBusObserver, type NatsBusOptions } from './nats-bus.js';
export { DEFAULT_HEARTBEAT_MS, Peers, type PeersEvents, type PeersOptions } from './peers.js';
export { Subjects } from './subjects.js';
