/**
 * `bin/proxy`: the signaling proxy process. Flags as upstream's: `-config PATH` (default
 * `proxy.conf`; also `--config`, `-config=PATH`) and `-version`. Signals: SIGHUP reloads, SIGUSR1
 * schedules a shutdown (exit once no publisher or subscriber is left), SIGTERM/SIGINT stop.
 */
import {
  type CommandLine,
  ConfigError,
  createLogger,
  parseCommandLine,
  readConfigFile,
  usage,
  VERSION,
} from '@spreed-ts/server';
import { type LoadedProxyConfig, loadProxyConfig } from './config.js';
import { ProxyApp } from './proxy-app.js';

function load(path: string): LoadedProxyConfig {
  return loadProxyConfig(readConfigFile(path), process.env);
}

async function main(): Promise<void> {
  let cli: CommandLine;
  try {
    cli = parseCommandLine(process.argv.slice(2), 'proxy', 'proxy.conf');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage('proxy')}\n`);
    process.exit(2);
  }
  if (cli.version) {
    process.stdout.write(`spreed-ts signaling proxy version ${VERSION}\n`);
    return;
  }
  const logger = createLogger('info');
  let loaded: LoadedProxyConfig;
  let app: ProxyApp;
  try {
    loaded = load(cli.configPath);
    for (const warning of loaded.warnings) {
      logger.warn(warning);
    }
    if (loaded.unsupported.length > 0) {
      logger.warn('options not implemented by this proxy are ignored', {
        options: loaded.unsupported.join(', '),
      });
    }
    logger.setLevel(loaded.config.app.debug ? 'debug' : 'info');
    if (loaded.config.http.listen.length === 0) {
      logger.warn('[http] listen is not set: not listening for signaling servers (as upstream)');
    }
    app = await ProxyApp.start(loaded.config, logger);
  } catch (err) {
    const message =
      err instanceof ConfigError
        ? err.message
        : `could not start with ${cli.configPath}: ${(err as Error).message}`;
    logger.error('invalid configuration', { error: message });
    process.exit(1);
  }
  logger.info('started', { version: VERSION, pid: process.pid });
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info('shutting down', { why });
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGUSR1', () => {
    if (stopping || app.proxy.shutdownScheduled) {
      return;
    }
    logger.info('received SIGUSR1, shutting down once all clients are gone', {
      clients: app.proxy.clientCount,
    });
    app.proxy.scheduleShutdown(() => {
      logger.info('all clients gone, shutting down');
      stop('SIGUSR1');
    });
  });
  process.on('SIGHUP', () => {
    try {
      app.reload(load(cli.configPath).config);
      logger.info('configuration reloaded');
    } catch (err) {
      logger.error('reload failed, keeping the old configuration', {
        error: (err as Error).message,
      });
    }
  });
}

await main();
