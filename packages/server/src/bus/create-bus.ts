import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import type { Bus } from './bus.js';
import { InProcessBus } from './in-process-bus.js';

/**
 * Loads the bus `config` asks for and returns a factory of it, which does what `createBus` of
 * `./index.js` does: a {@link NatsBus} that connects in the background, or, without URLs (unset,
 * `nats://loopback`), the embedded {@link InProcessBus}.
 *
 * The NATS client (some 80 modules and several MiB of memory) is only loaded when a NATS URL is
 * configured; `./index.js` re-exports `NatsBus` and so always loads it, which is why the server's
 * entry point uses this instead.
 */
export async function loadBusFactory(config: ServerConfig): Promise<(logger: Logger) => Bus> {
  const urls = config.nats.urls;
  if (urls.length === 0) {
    return (logger) => new InProcessBus({ logger });
  }
  const { NatsBus } = await import('./nats-bus.js');
  return (logger) => {
    const bus = new NatsBus({ urls, logger });
    bus.start();
    return bus;
  };
}
