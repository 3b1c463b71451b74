import { ConfigError } from '../config/server-config.js';

/**
 * How to reach the etcd cluster: upstream's `[etcd]` options (or their deprecated place in a
 * compat section: `[mcu]` in server.conf, `[tokens]` in proxy.conf). Unset when neither
 * `endpoints` nor `discoverysrv` is given.
 */
export interface EtcdConfig {
  /** Endpoints as configured: `host:port` or `http(s)://host:port` (comma-separated option). */
  endpoints: string[];
  /** Domain of DNS SRV discovery (`discoverysrv`), used only when `endpoints` is empty. */
  discoverySrv: string;
  /** Optional service name suffix of the SRV records (`discoveryservice`). */
  discoveryService: string;
  /** Client TLS, used only when all three files are configured (as upstream). */
  tls: { clientKey: string; clientCert: string; caCert: string } | undefined;
}

/** Reads one option; undefined for missing or empty (the config layer's convention). */
export type OptionGetter = (section: string, key: string) => string | undefined;

/**
 * Every option upstream reads from `[etcd]`, in server.conf and proxy.conf alike (the first six
 * are also read from the compat section).
 */
export const ETCD_OPTIONS: readonly string[] = [
  'endpoints',
  'discoverysrv',
  'discoveryservice',
  'clientkey',
  'clientcert',
  'cacert',
  'loglevel',
];

/** Log levels of the Go client's logger (zap), which upstream validates. */
const ZAP_LEVELS = ['debug', 'info', 'warn', 'error', 'dpanic', 'panic', 'fatal'];

/** Whether an etcd cluster is configured at all. */
export function etcdConfigured(config: EtcdConfig): boolean {
  return config.endpoints.length > 0 || config.discoverySrv !== '';
}

/**
 * Reads `[etcd]`: each option from `[etcd]`, else (deprecated, with a warning) from
 * `compatSection`, as upstream's client does. Throws {@link ConfigError} naming section, key and
 * value for an endpoint that is not `[scheme://]host:port` or an unknown `loglevel`.
 */
export function readEtcdConfig(
  get: OptionGetter,
  compatSection: string | undefined,
  warnings: string[],
): EtcdConfig {
  const read = (key: string): { section: string; value: string } | undefined => {
    const value = get('etcd', key);
    if (value !== undefined) {
      return { section: 'etcd', value };
    }
    if (compatSection === undefined) {
      return undefined;
    }
    const compat = get(compatSection, key);
    if (compat === undefined) {
      return undefined;
    }
    warnings.push(`[${compatSection}] ${key}: deprecated place of an etcd option, use [etcd]`);
    return { section: compatSection, value: compat };
  };

  const endpointsOption = read('endpoints');
  const endpoints = (endpointsOption?.value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of endpoints) {
    if (endpointUrl(entry, false) === undefined) {
      throw new ConfigError(
        endpointsOption?.section ?? 'etcd',
        'endpoints',
        `invalid etcd endpoint "${entry}" (use host:port or http(s)://host:port)`,
      );
    }
  }
  // Upstream only looks at the discovery options when no endpoints are given.
  const discoverySrv = endpoints.length > 0 ? '' : (read('discoverysrv')?.value ?? '');
  const discoveryService = discoverySrv === '' ? '' : (read('discoveryservice')?.value ?? '');

  const clientKey = read('clientkey')?.value ?? '';
  const clientCert = read('clientcert')?.value ?? '';
  const caCert = read('cacert')?.value ?? '';
  let tls: EtcdConfig['tls'];
  if (clientKey !== '' && clientCert !== '' && caCert !== '') {
    tls = { clientKey, clientCert, caCert };
  } else if (clientKey !== '' || clientCert !== '' || caCert !== '') {
    warnings.push(
      '[etcd] clientkey/clientcert/cacert: TLS needs all three set; connecting without TLS',
    );
  }

  const logLevel = get('etcd', 'loglevel');
  if (logLevel !== undefined && !ZAP_LEVELS.includes(logLevel.toLowerCase())) {
    throw new ConfigError(
      'etcd',
      'loglevel',
      `unsupported etcd log level "${logLevel}" (use ${ZAP_LEVELS.join(', ')})`,
    );
  }

  return { endpoints, discoverySrv, discoveryService, tls };
}

/**
 * The URL the gRPC client dials for one configured endpoint: as given when it has a scheme, else
 * `https://` with TLS and `http://` without. Undefined for anything but `[http(s)://]host:port`.
 */
export function endpointUrl(entry: string, tls: boolean): string | undefined {
  const hasScheme = entry.includes('://');
  let url: URL;
  try {
    url = new URL(hasScheme ? entry : `${tls ? 'https' : 'http'}://${entry}`);
  } catch {
    return undefined;
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.hostname === '' ||
    !/:\d{1,5}\/?$/.test(entry) ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    return undefined;
  }
  const port = url.port !== '' ? url.port : url.protocol === 'http:' ? '80' : '443';
  return `${url.protocol}//${url.hostname}:${port}`;
}
