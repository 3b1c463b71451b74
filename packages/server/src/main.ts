import { loadBusFactory } from './bus/create-bus.js';
import { type CommandLine, parseCommandLine, usage } from './command-line.js';
import { loadConfig } from './config/index.js';
import { readConfigFile } from './config/read-config-file.js';
import { ConfigError } from './config/server-config.js';
import { createLogger } from './logger.js';
import { startRooms } from './rooms/index.js';
import { SignalingServer } from './server.js';
import { attachSfu } from './sfu/attach-sfu.js';
import { VERSION } from './version.js';
import { capYoungGeneration } from './young-generation.js';

async function main(): Promise<void> {
  let cli: CommandLine;
  try {
    cli = parseCommandLine(process.argv.slice(2), 'signaling', 'server.conf');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage('signaling')}\n`);
    process.exit(2);
  }
  if (cli.version) {
    process.stdout.write(`spreed-ts signaling server version ${VERSION}\n`);
    return;
  }
  capYoungGeneration();
  const logger = createLogger('info');
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(readConfigFile(cli.configPath), process.env);
  } catch (err) {
    const message =
      err instanceof ConfigError
        ? err.message
        : `could not read ${cli.configPath}: ${(err as Error).message}`;
    logger.error('invalid configuration', { error: message });
    process.exit(1);
  }
  for (const warning of loaded.warnings) {
    logger.warn(warning);
  }
  if (loaded.unsupported.length > 0) {
    logger.warn('options not implemented by this server are ignored', {
      options: loaded.unsupported.join(', '),
    });
  }
  logger.setLevel(loaded.config.app.debug ? 'debug' : 'info');
  // Loaded before listening: between listening and startRooms nothing may wait.
  const createBus = await loadBusFactory(loaded.config);
  let server: SignalingServer;
  try {
    server = await SignalingServer.start({ config: loaded.config, logger });
  } catch (err) {
    logger.error('could not start', { error: (err as Error).message });
    process.exit(1);
  }
  const rooms = startRooms(server, {}, createBus(logger));
  const sfu = attachSfu(server, rooms);
  logger.info('started', { version: VERSION, pid: process.pid });
  let stopping = false;
  /** Connections still open are closed with 1012 (service restart): their clients reconnect. */
  const stop = (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info('shutting down', { signal });
    sfu.close();
    // The other servers of a cluster hear the goodbye first and drop this server's sessions.
    rooms
      .close()
      .then(() => server.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Upstream's scheduled shutdown. Listening for it also keeps Node from starting its inspector.
  process.on('SIGUSR1', () => {
    if (stopping) {
      return;
    }
    const sessions = server.hub.countedSessions;
    if (server.hub.shutdownScheduled) {
      logger.info('received SIGUSR1, shutdown already scheduled', { sessions });
      return;
    }
    logger.info('received SIGUSR1, shutting down once all clients are gone', { sessions });
    server.scheduleShutdown(() => {
      logger.info('all clients disconnected, shutting down');
      // Internal clients and connections without a session are left: the 1012 of stop() tells
      // them to reconnect, which takes them to another server.
      stop('SIGUSR1');
    });
  });
  process.on('SIGHUP', () => {
    try {
      const reloaded = loadConfig(readConfigFile(cli.configPath), process.env);
      server.reload(reloaded.config);
      logger.setLevel(reloaded.config.app.debug ? 'debug' : 'info');
      logger.info('configuration reloaded');
    } catch (err) {
      logger.error('reload failed, keeping the old configuration', {
        error: (err as Error).message,
      });
    }
  });
}

await main();
