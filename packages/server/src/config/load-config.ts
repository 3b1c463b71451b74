import { etcdConfigured, readEtcdConfig } from '../etcd/etcd-config.js';
import { DEFAULT_PROXY_KEY_PREFIX } from '../etcd/etcd-proxy-urls.js';
import { getValue, type IniFile, optionNames, parseIni } from './ini.js';
import { loadBackends } from './load-backends.js';
import { isIpOrSubnet, OptionReader, splitEntries } from './option-reader.js';
import { ConfigError, type LoadedConfig, type ServerConfig } from './server-config.js';
import { unknownOptions, unsupportedOptions } from './upstream-options.js';

// Upstream's defaults (cmd/server/main.go, server/hub.go, sfu/internal/settings.go).
const DEFAULT_READ_TIMEOUT_SECONDS = 15;
const DEFAULT_WRITE_TIMEOUT_SECONDS = 30;
const DEFAULT_FEDERATION_TIMEOUT_SECONDS = 10;
const DEFAULT_MCU_TIMEOUT_SECONDS = 10;
const DEFAULT_PROXY_TIMEOUT_SECONDS = 2;
/** Continent codes of `[continent-overrides]` (upstream's). */
const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'];
/** 1 Mbit/s and 2 Mbit/s in upstream's binary units (1 Mbit = 1024 * 1024 bits). */
const DEFAULT_MAX_STREAM_BITRATE = 1_048_576;
const DEFAULT_MAX_SCREEN_BITRATE = 2_097_152;
const DEFAULT_STATS_ALLOWED_IPS = ['127.0.0.1', '::1'];
/** Our extension `[nats] heartbeat`: seconds between cluster heartbeats. */
const DEFAULT_NATS_HEARTBEAT_SECONDS = 2;

/** Spellings of `[nats] url` that select the in-process bus (`:loopback:` is upstream's old one). */
const NATS_LOOPBACK = 'nats://loopback';
const NATS_LOOPBACK_OLD = ':loopback:';
const NATS_SCHEMES = ['nats:', 'tls:', 'ws:', 'wss:'];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads upstream's server.conf format into a {@link ServerConfig}: upstream's defaults for
 * everything not set, `$(VAR)` references resolved from `env` in the options where upstream does
 * that. Throws {@link ConfigError} for anything that does not parse or is required and missing.
 *
 * One deliberate divergence: an unset `[nats] url` selects the embedded bus (upstream would dial
 * nats://127.0.0.1:4222 and retry forever).
 */
export function loadConfig(text: string, env: Env): LoadedConfig {
  const ini = parseIni(text);
  const warnings: string[] = [];
  const options = new OptionReader(ini, env, warnings);

  const config: ServerConfig = {
    http: {
      listen: options.listen('http', 'listen'),
      readTimeoutMs: options.seconds('http', 'readtimeout', DEFAULT_READ_TIMEOUT_SECONDS),
      writeTimeoutMs: options.seconds('http', 'writetimeout', DEFAULT_WRITE_TIMEOUT_SECONDS),
    },
    https: loadHttps(options),
    app: loadApp(options, warnings),
    sessions: loadSessions(options, warnings),
    clients: { internalSecret: options.stringWithEnv('clients', 'internalsecret') ?? '' },
    federation: {
      skipVerify: options.bool('federation', 'skipverify', false),
      timeoutMs: options.seconds('federation', 'timeout', DEFAULT_FEDERATION_TIMEOUT_SECONDS),
    },
    backend: loadBackends(ini, options, warnings),
    nats: {
      urls: loadNatsUrls(options, warnings),
      heartbeatMs: options.seconds('nats', 'heartbeat', DEFAULT_NATS_HEARTBEAT_SECONDS),
    },
    mcu: loadMcu(options, warnings),
    geoip: loadGeoIp(ini, warnings),
    turn: loadTurn(options),
    stats: {
      allowedIps: orDefault(options.ipList('stats', 'allowed_ips'), DEFAULT_STATS_ALLOWED_IPS),
    },
    // Upstream's server reads the etcd options also from their old place in [mcu].
    etcd: readEtcdConfig((section, key) => options.string(section, key), 'mcu', warnings),
  };

  if (config.backend.etcd !== undefined && !etcdConfigured(config.etcd)) {
    throw new ConfigError(
      'backend',
      'backendtype',
      'etcd needs [etcd] endpoints (or discoverysrv) set',
    );
  }
  if (
    config.mcu.type === 'proxy' &&
    config.mcu.proxy.urlType === 'etcd' &&
    !etcdConfigured(config.etcd)
  ) {
    throw new ConfigError('mcu', 'urltype', 'etcd needs [etcd] endpoints (or discoverysrv) set');
  }
  if (config.clients.internalSecret === '') {
    warnings.push('[clients] internalsecret: not set, internal clients cannot connect');
  }
  if (config.federation.skipVerify) {
    warnings.push('[federation] skipverify: certificates of federation targets are not checked');
  }
  if (config.http.listen.length === 0 && config.https.listen.length === 0) {
    warnings.push('[http] listen: not set (nor [https] listen), the server accepts no connections');
  }
  warnings.push(
    ...unknownOptions(
      ini,
      config.backend.backends.map((backend) => backend.id),
    ),
  );
  return { config, unsupported: unsupportedOptions(ini), warnings };
}

function orDefault(list: string[], fallback: readonly string[]): string[] {
  return list.length > 0 ? list : [...fallback];
}

function loadHttps(options: OptionReader): ServerConfig['https'] {
  const https: ServerConfig['https'] = {
    listen: options.listen('https', 'listen'),
    readTimeoutMs: options.seconds('https', 'readtimeout', DEFAULT_READ_TIMEOUT_SECONDS),
    writeTimeoutMs: options.seconds('https', 'writetimeout', DEFAULT_WRITE_TIMEOUT_SECONDS),
    certificate: options.string('https', 'certificate') ?? '',
    key: options.string('https', 'key') ?? '',
  };
  // Upstream only looks at the certificate files when there is an HTTPS listener.
  if (https.listen.length > 0) {
    for (const key of ['certificate', 'key'] as const) {
      if (https[key] === '') {
        throw new ConfigError('https', key, 'required when [https] listen is set');
      }
    }
  }
  return https;
}

function loadApp(options: OptionReader, warnings: string[]): ServerConfig['app'] {
  const trustedProxies = options.ipList('app', 'trustedproxies');
  const allowSubscribeAny = options.bool('app', 'allowsubscribeany', false);
  if (allowSubscribeAny) {
    warnings.push('[app] allowsubscribeany: any stream may be subscribed; use for testing only');
  }
  return {
    debug: options.bool('app', 'debug', false),
    allowSubscribeAny,
    trustedProxies: trustedProxies.length > 0 ? trustedProxies : undefined,
  };
}

/** Key lengths as upstream's hub checks them: in bytes of the UTF-8 text. */
function loadSessions(options: OptionReader, warnings: string[]): ServerConfig['sessions'] {
  const hashKey = options.stringWithEnv('sessions', 'hashkey');
  if (hashKey === undefined) {
    throw new ConfigError('sessions', 'hashkey', 'missing: set a random string of 32 or 64 bytes');
  }
  const hashLength = Buffer.byteLength(hashKey);
  if (hashLength !== 32 && hashLength !== 64) {
    warnings.push(`[sessions] hashkey: should be 32 or 64 bytes long but is ${hashLength} bytes`);
  }
  const blockKey = options.stringWithEnv('sessions', 'blockkey') ?? '';
  const blockLength = Buffer.byteLength(blockKey);
  if (![0, 16, 24, 32].includes(blockLength)) {
    throw new ConfigError(
      'sessions',
      'blockkey',
      `must be 16, 24 or 32 bytes long but "${blockKey}" is ${blockLength} bytes`,
    );
  }
  return { hashKey, blockKey };
}

/**
 * A comma-separated list, like the NATS client upstream hands it to. Entries without a scheme are
 * `host[:port]` and mean `nats://`.
 */
function loadNatsUrls(options: OptionReader, warnings: string[]): string[] {
  const urls = splitEntries(options.stringWithEnv('nats', 'url') ?? '', ',');
  const loopback = urls.filter((url) => url === NATS_LOOPBACK || url === NATS_LOOPBACK_OLD);
  if (loopback.length > 0) {
    if (urls.length > 1) {
      throw new ConfigError('nats', 'url', `"${loopback[0]}" cannot be combined with other URLs`);
    }
    if (loopback[0] === NATS_LOOPBACK_OLD) {
      warnings.push(`[nats] url: "${NATS_LOOPBACK_OLD}" is deprecated, use "${NATS_LOOPBACK}"`);
    }
    return [];
  }
  for (const url of urls) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url.includes('://') ? url : `nats://${url}`);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !NATS_SCHEMES.includes(parsed.protocol) || parsed.hostname === '') {
      throw new ConfigError('nats', 'url', `invalid NATS URL "${url}"`);
    }
  }
  return urls;
}

function loadMcu(options: OptionReader, warnings: string[]): ServerConfig['mcu'] {
  const url = options.stringWithEnv('mcu', 'url') ?? '';
  let type = options.string('mcu', 'type') ?? '';
  // Old-style configurations, handled as upstream's main() does.
  if (type === '' && url !== '') {
    warnings.push('[mcu] type: not set but [mcu] url is, using type "janus"');
    type = 'janus';
  } else if (type === 'janus' && url === '') {
    warnings.push('[mcu] url: not set for type "janus", running without SFU');
    type = '';
  }
  if (type !== '' && type !== 'janus' && type !== 'proxy') {
    throw new ConfigError('mcu', 'type', `unknown MCU type "${type}" (use janus or proxy)`);
  }
  if (type === 'janus' && !isWebSocketUrl(url)) {
    throw new ConfigError('mcu', 'url', `invalid Janus WebSocket URL "${url}"`);
  }
  const proxy = loadProxyMcu(options, type === 'proxy');
  if (type === 'proxy' && proxy.urlType === 'static') {
    const urls = splitEntries(url, ' ');
    if (urls.length === 0) {
      throw new ConfigError('mcu', 'url', 'no proxy URLs configured for type "proxy"');
    }
    for (const entry of urls) {
      if (!isProxyUrl(entry)) {
        throw new ConfigError('mcu', 'url', `invalid proxy URL "${entry}"`);
      }
    }
  }
  if (type === 'proxy' && proxy.skipVerify) {
    warnings.push('[mcu] skipverify: certificates of the signaling proxies are not checked');
  }
  return {
    type,
    url,
    maxStreamBitrate: options.positiveInt('mcu', 'maxstreambitrate', DEFAULT_MAX_STREAM_BITRATE),
    maxScreenBitrate: options.positiveInt('mcu', 'maxscreenbitrate', DEFAULT_MAX_SCREEN_BITRATE),
    allowedCandidates: options.ipList('mcu', 'allowedcandidates'),
    blockedCandidates: options.ipList('mcu', 'blockedcandidates'),
    timeoutMs: options.seconds('mcu', 'timeout', DEFAULT_MCU_TIMEOUT_SECONDS),
    proxy,
  };
}

/** The `type = proxy` options; `required`: token id and key must be set (upstream refuses to start). */
function loadProxyMcu(options: OptionReader, required: boolean): ServerConfig['mcu']['proxy'] {
  const urlType = options.string('mcu', 'urltype') ?? 'static';
  if (urlType !== 'static' && urlType !== 'etcd') {
    throw new ConfigError('mcu', 'urltype', `unsupported proxy URL type "${urlType}"`);
  }
  const tokenId = options.string('mcu', 'token_id') ?? '';
  const tokenKey = options.string('mcu', 'token_key') ?? '';
  if (required && tokenId === '') {
    throw new ConfigError('mcu', 'token_id', 'no token id configured for type "proxy"');
  }
  if (required && tokenKey === '') {
    throw new ConfigError('mcu', 'token_key', 'no token key configured for type "proxy"');
  }
  return {
    timeoutMs: options.seconds('mcu', 'proxytimeout', DEFAULT_PROXY_TIMEOUT_SECONDS),
    urlType,
    skipVerify: options.bool('mcu', 'skipverify', false),
    tokenId,
    tokenKey,
    dnsDiscovery: options.bool('mcu', 'dnsdiscovery', false),
    keyPrefix: options.string('mcu', 'keyprefix') ?? DEFAULT_PROXY_KEY_PREFIX,
  };
}

/** A proxy base URL: http(s) or ws(s) with a host (`proxy` is appended to its path). */
function isProxyUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return ['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * `[geoip-overrides]` (address or subnet = country) and `[continent-overrides]` (continent =
 * continents). Entries that do not parse are skipped with a warning, as upstream logs and skips.
 */
function loadGeoIp(ini: IniFile, warnings: string[]): ServerConfig['geoip'] {
  const overrides: ServerConfig['geoip']['overrides'] = [];
  for (const key of optionNames(ini, 'geoip-overrides')) {
    const country = (getValue(ini, 'geoip-overrides', key) ?? '').trim().toUpperCase();
    if (!isIpOrSubnet(key)) {
      warnings.push(`[geoip-overrides] ${key}: not an IP address or subnet, skipped`);
    } else if (!/^[A-Z]{2}$/.test(country)) {
      warnings.push(`[geoip-overrides] ${key}: invalid country "${country}", skipped`);
    } else {
      overrides.push({ subnet: key, country });
    }
  }
  const continentOverrides: Record<string, string[]> = {};
  for (const key of optionNames(ini, 'continent-overrides')) {
    const from = key.trim().toUpperCase();
    if (!CONTINENTS.includes(from)) {
      warnings.push(`[continent-overrides] ${key}: unknown continent, skipped`);
      continue;
    }
    const to: string[] = [];
    for (const entry of splitEntries(getValue(ini, 'continent-overrides', key) ?? '', ',')) {
      const continent = entry.toUpperCase();
      if (CONTINENTS.includes(continent)) {
        to.push(continent);
      } else {
        warnings.push(`[continent-overrides] ${key}: unknown continent "${entry}", skipped`);
      }
    }
    if (to.length > 0) {
      continentOverrides[from] = to;
    }
  }
  return { overrides, continentOverrides };
}

function isWebSocketUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function loadTurn(options: OptionReader): ServerConfig['turn'] {
  const turn = {
    apiKey: options.stringWithEnv('turn', 'apikey') ?? '',
    secret: options.stringWithEnv('turn', 'secret') ?? '',
    servers: splitEntries(options.string('turn', 'servers') ?? '', ','),
  };
  if (turn.servers.length > 0) {
    if (turn.apiKey === '') {
      throw new ConfigError('turn', 'apikey', 'required when [turn] servers is set');
    }
    if (turn.secret === '') {
      throw new ConfigError('turn', 'secret', 'required when [turn] servers is set');
    }
  }
  return turn;
}
