import type { ServerConfig } from '../../config/server-config.js';
import type { Logger } from '../../logger.js';
import type { CandidateFilter } from '../sdp.js';
import { ProxySfu } from './proxy-sfu.js';
import { DnsUrlSource, type ProxyUrlSource, StaticUrlSource } from './proxy-sources.js';
import { ProxyTokenSigner } from './proxy-token.js';

/**
 * The proxy SFU of `[mcu] type = proxy`: reads the token key (an error names the file), picks the
 * URL source of `urltype` and `dnsdiscovery`. `urltype = etcd` needs the etcd source, which is not
 * part of this server yet.
 */
export function createProxySfu(
  mcu: ServerConfig['mcu'],
  geoip: ServerConfig['geoip'],
  logger: Logger,
  candidateFilter: (mcu: ServerConfig['mcu']) => CandidateFilter,
): ProxySfu {
  const signer = ProxyTokenSigner.fromFile(mcu.proxy.tokenId, mcu.proxy.tokenKey);
  const urls = mcu.url.split(' ').filter((u) => u !== '');
  let source: ProxyUrlSource;
  switch (mcu.proxy.urlType) {
    case 'static':
      source = mcu.proxy.dnsDiscovery ? new DnsUrlSource(urls, logger) : new StaticUrlSource(urls);
      break;
    case 'etcd':
      throw new Error('[mcu] urltype = etcd is not supported yet');
  }
  logger.info('using signaling proxies', {
    urls,
    urltype: mcu.proxy.urlType,
    dnsdiscovery: mcu.proxy.dnsDiscovery,
    proxytimeout: mcu.proxy.timeoutMs,
  });
  if (mcu.proxy.skipVerify) {
    logger.warn('certificates of the signaling proxies are not verified ([mcu] skipverify)');
  }
  let filter = candidateFilter(mcu);
  const sfu = new ProxySfu({
    source,
    signer,
    timeoutMs: mcu.timeoutMs,
    proxyTimeoutMs: mcu.proxy.timeoutMs,
    limits: { maxStreamBitrate: mcu.maxStreamBitrate, maxScreenBitrate: mcu.maxScreenBitrate },
    skipVerify: mcu.proxy.skipVerify,
    filter: () => filter,
    geoip,
    logger,
  });
  const reload = sfu.reload.bind(sfu);
  sfu.reload = (config) => {
    filter = candidateFilter(config.mcu);
    reload(config);
  };
  return sfu;
}
