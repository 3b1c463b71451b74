import type { ServerConfig } from '../config/server-config.js';
import type { EtcdClient } from '../etcd/etcd-client.js';
import type { Logger } from '../logger.js';
import { IpList } from '../transport/real-ip.js';
import type { CandidateFilter } from './sdp.js';
import { NoSfu, type Sfu } from './sfu.js';

/** The candidate filter of `[mcu] allowedcandidates` / `blockedcandidates`. */
export function candidateFilter(mcu: ServerConfig['mcu']): CandidateFilter {
  return {
    allowed: mcu.allowedCandidates.length > 0 ? new IpList(mcu.allowedCandidates) : undefined,
    blocked: mcu.blockedCandidates.length > 0 ? new IpList(mcu.blockedCandidates) : undefined,
  };
}

/**
 * The SFU `[mcu]` asks for: Janus for `type = janus`, signaling proxies for `type = proxy`, none
 * otherwise. The clients (and the `ws` package they use) are only loaded for their type. `etcd`
 * is the server's etcd client, which `type = proxy` with `urltype = etcd` needs.
 */
export async function createSfu(
  mcu: ServerConfig['mcu'],
  logger: Logger,
  geoip: ServerConfig['geoip'] = { overrides: [], continentOverrides: {} },
  etcd?: EtcdClient,
): Promise<Sfu> {
  switch (mcu.type) {
    case 'janus': {
      const { JanusSfu } = await import('./janus/janus-sfu.js');
      return new JanusSfu({
        url: mcu.url,
        timeoutMs: mcu.timeoutMs,
        limits: { maxStreamBitrate: mcu.maxStreamBitrate, maxScreenBitrate: mcu.maxScreenBitrate },
        filter: candidateFilter(mcu),
        logger,
      });
    }
    case 'proxy': {
      const { createProxySfu } = await import('./proxy/create-proxy-sfu.js');
      return createProxySfu(mcu, geoip, logger, candidateFilter, etcd);
    }
    case '':
      return new NoSfu(mcu.timeoutMs);
  }
}
