import type { ServerConfig } from '../../config/server-config.js';
import type { EtcdClient } from '../../etcd/etcd-client.js';
import type { Logger } from '../../logger.js';
import type { CandidateFilter } from '../sdp.js';
import { EtcdUrlSource } from './etcd-url-source.js';
import { ProxySfu } from './proxy-sfu.js';
import { DnsUrlSource, type ProxyUrlSource, StaticUrlSource } from './proxy-sources.js';
import { ProxyTokenSigner } from './proxy-token.js';

/**
 * The proxy SFU of `[mcu] type = proxy`: reads the token key (an error names the file), picks the
 * URL source of `urltype` and `dnsdiscovery`. `urltype = etcd` watches `[mcu] keyprefix` through
 * `etcd`, the server's etcd client (required then; the etcd modules are loaded only for it).
 */
export async function createProxySfu(
  mcu: ServerConfig['mcu'],
  geoip: ServerConfig['geoip'],
  logger: Logger,
  candidateFilter: (mcu: ServerConfig['mcu']) => CandidateFilter,
  etcd?: EtcdClient,
): Promise<ProxySfu> {
  const signer = ProxyTokenSigner.fromFile(mcu.proxy.tokenId, mcu.proxy.tokenKey);
  const urls = mcu.url.split(' ').filter((u) => u !== '');
  let source: ProxyUrlSource;
  switch (mcu.proxy.urlType) {
    case 'static':
      source = mcu.proxy.dnsDiscovery ? new DnsUrlSource(urls, logger) : new StaticUrlSource(urls);
      logger.info('using signaling proxies', {
        urls,
        urltype: mcu.proxy.urlType,
        dnsdiscovery: mcu.proxy.dnsDiscovery,
        proxytimeout: mcu.proxy.timeoutMs,
      });
      break;
    case 'etcd': {
      if (etcd === undefined) {
        throw new Error('[mcu] urltype = etcd needs [etcd] endpoints (or discoverysrv)');
      }
      const { EtcdProxyUrls } = await import('../../etcd/etcd-proxy-urls.js');
      source = new EtcdUrlSource(
        new EtcdProxyUrls({ client: etcd, keyPrefix: mcu.proxy.keyPrefix, logger }),
      );
      logger.info('using signaling proxies from etcd', {
        keyprefix: mcu.proxy.keyPrefix,
        proxytimeout: mcu.proxy.timeoutMs,
      });
      break;
    }
  }
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
