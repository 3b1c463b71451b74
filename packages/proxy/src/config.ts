/**
 * `proxy.conf`: upstream's signaling-proxy configuration (same INI dialect and option names as
 * `server.conf`). {@link loadProxyConfig} validates every option once; a bad value is a
 * {@link ConfigError} naming section, key and value, and options upstream has but this proxy does
 * not implement are listed in `unsupported` (reported once at startup).
 */
import { networkInterfaces } from 'node:os';
import {
  ConfigError,
  ETCD_OPTIONS,
  type EtcdConfig,
  etcdConfigured,
  getRawValue,
  type IniFile,
  type ListenAddress,
  OptionReader,
  optionNames,
  parseIni,
  parseListenAddress,
  readEtcdConfig,
  splitEntries,
} from '@spreed-ts/server';

/** `[mcu] timeout` default, seconds (upstream's `defaultMcuTimeoutSeconds`). */
const DEFAULT_MCU_TIMEOUT_SECONDS = 10;
/** `[mcu] maxstreambitrate` / `maxscreenbitrate` defaults, bits per second. */
const DEFAULT_MAX_STREAM_BITRATE = 1_048_576;
const DEFAULT_MAX_SCREEN_BITRATE = 2_097_152;
/** `[http] readtimeout` / `writetimeout` defaults, seconds. */
const DEFAULT_HTTP_TIMEOUT_SECONDS = 15;
/** `[stats] allowed_ips` when unset: loopback only. */
const DEFAULT_STATS_ALLOWED_IPS = ['127.0.0.1', '::1'];
/** One megabit in bits, as upstream counts it (`[bandwidth]` is in megabits per second). */
export const MEGABIT = 1024 * 1024;

/** Token types of `[app] tokentype`. */
export type TokenType = 'static' | 'etcd';

/** The validated `proxy.conf`. */
export interface ProxyConfig {
  http: {
    /** `[http] listen`; empty: no listener (as upstream). */
    listen: ListenAddress[];
    readTimeoutMs: number;
    writeTimeoutMs: number;
  };
  app: {
    /** `[app] debug`: debug log level here (upstream installs pprof handlers). */
    debug: boolean;
    /** `[app] country`, upper case, or '' when not sent. */
    country: string;
    /** `[app] trustedproxies`; empty: upstream's defaults (loopback and private ranges). */
    trustedProxies: string[];
    tokenType: TokenType;
    /**
     * `[app] token_id` / `token_key` / `hostname`: how this proxy authenticates to other proxies
     * (remote streams) and the address their Janus servers send streams to; undefined: remote
     * streams are off. `hostname` defaults to the first non-loopback IPv4 address.
     */
    remote: { tokenId: string; tokenKeyPath: string; hostname: string } | undefined;
  };
  /** `[tokens]` of type static: token id → path of its public key (PEM). */
  tokens: Record<string, string>;
  /** `[tokens] keyformat` of type etcd, as configured (undefined: the default). */
  keyFormat: string | undefined;
  /**
   * `[etcd]` (or, deprecated, the same options in `[tokens]`, as upstream's proxy reads them):
   * the cluster of `tokentype = etcd`.
   */
  etcd: EtcdConfig;
  mcu: {
    type: 'janus';
    url: string;
    timeoutMs: number;
    maxStreamBitrate: number;
    maxScreenBitrate: number;
    allowedCandidates: string[];
    blockedCandidates: string[];
  };
  stats: { allowedIps: string[] };
  /** `[bandwidth]` target limits in bits per second; 0 = unlimited. */
  bandwidth: { incoming: number; outgoing: number };
}

/** The result of {@link loadProxyConfig}. */
export interface LoadedProxyConfig {
  config: ProxyConfig;
  /** Options upstream implements and we do not, as `[section] key`. */
  unsupported: string[];
  /** Non-fatal remarks (unset environment variables, unknown options). */
  warnings: string[];
}

/** Every option upstream's proxy reads, by section (typos elsewhere in these are warned about). */
const UPSTREAM_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  http: ['listen', 'readtimeout', 'writetimeout'],
  app: [
    'debug',
    'trustedproxies',
    'country',
    'tokentype',
    'hostname',
    'token_id',
    'token_key',
    'skipverify',
  ],
  bandwidth: ['incoming', 'outgoing'],
  mcu: [
    'type',
    'url',
    'maxstreambitrate',
    'maxscreenbitrate',
    'allowedcandidates',
    'blockedcandidates',
    'timeout',
  ],
  stats: ['allowed_ips'],
  etcd: ETCD_OPTIONS,
};

/**
 * Upstream options this proxy does not implement: skipping TLS verification towards other proxies,
 * and the log level of the Go etcd client's own logger (validated, no counterpart here).
 */
const UNSUPPORTED: ReadonlyArray<readonly [string, string]> = [
  ['app', 'skipverify'],
  ['etcd', 'loglevel'],
];

/** Reads and validates `proxy.conf` text. `env` fills `$(VAR)` references as upstream does. */
export function loadProxyConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): LoadedProxyConfig {
  const ini = parseIni(text);
  const warnings: string[] = [];
  const options = new OptionReader(ini, env, warnings);
  const tokenType = readTokenType(options);
  // Upstream's proxy reads the etcd options also from their old place in [tokens].
  const etcd = readEtcdConfig(
    (section, key) => options.string(section, key),
    tokenType === 'etcd' ? 'tokens' : undefined,
    warnings,
  );
  if (tokenType === 'etcd' && !etcdConfigured(etcd)) {
    throw new ConfigError('app', 'tokentype', 'etcd needs [etcd] endpoints (or discoverysrv) set');
  }
  const config: ProxyConfig = {
    http: {
      listen: readListen(options),
      readTimeoutMs: options.seconds('http', 'readtimeout', DEFAULT_HTTP_TIMEOUT_SECONDS),
      writeTimeoutMs: options.seconds('http', 'writetimeout', DEFAULT_HTTP_TIMEOUT_SECONDS),
    },
    app: {
      debug: options.bool('app', 'debug', false),
      country: readCountry(options),
      trustedProxies: options.ipList('app', 'trustedproxies'),
      tokenType,
      remote: readRemote(options, warnings),
    },
    tokens: tokenType === 'static' ? readStaticTokens(ini, options) : {},
    keyFormat: tokenType === 'etcd' ? readKeyFormat(options) : undefined,
    etcd,
    mcu: readMcu(options),
    stats: {
      allowedIps: orDefault(options.ipList('stats', 'allowed_ips'), DEFAULT_STATS_ALLOWED_IPS),
    },
    bandwidth: {
      incoming: options.nonNegativeInt('bandwidth', 'incoming') * MEGABIT,
      outgoing: options.nonNegativeInt('bandwidth', 'outgoing') * MEGABIT,
    },
  };
  return { config, unsupported: unsupportedOptions(ini), warnings: [...warnings, ...unknown(ini)] };
}

function orDefault(list: string[], fallback: string[]): string[] {
  return list.length > 0 ? list : fallback;
}

function readListen(options: OptionReader): ListenAddress[] {
  return splitEntries(options.stringWithEnv('http', 'listen') ?? '', ' ').map((entry) => {
    const address = parseListenAddress(entry);
    if (address === undefined || address.kind === 'unix') {
      // Upstream's proxy listens with net.Listen("tcp", …) only.
      throw new ConfigError('http', 'listen', `invalid listen address "${entry}"`);
    }
    return address;
  });
}

function readRemote(options: OptionReader, warnings: string[]): ProxyConfig['app']['remote'] {
  const tokenId = options.string('app', 'token_id') ?? '';
  if (tokenId === '') {
    return undefined;
  }
  const tokenKeyPath = options.string('app', 'token_key') ?? '';
  if (tokenKeyPath === '') {
    throw new ConfigError('app', 'token_key', 'no token key configured (needed with token_id)');
  }
  const hostname = options.string('app', 'hostname') || localIPv4();
  if (hostname === '') {
    warnings.push(
      '[app] hostname: could not determine an address for remote streams, they are disabled',
    );
    return undefined;
  }
  if (hostname.length > 255 || !/^[A-Za-z0-9.:_-]+$/.test(hostname)) {
    throw new ConfigError('app', 'hostname', `invalid hostname "${hostname}"`);
  }
  return { tokenId, tokenKeyPath, hostname };
}

/** The first non-internal IPv4 address of this machine ('' when there is none). */
function localIPv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) {
        return address.address;
      }
    }
  }
  return '';
}

function readTokenType(options: OptionReader): TokenType {
  const value = options.string('app', 'tokentype') ?? 'static';
  if (value !== 'static' && value !== 'etcd') {
    throw new ConfigError(
      'app',
      'tokentype',
      `unsupported token type "${value}" (use static or etcd)`,
    );
  }
  return value;
}

/** `[tokens] keyformat`: comma-separated, each entry with exactly one `%s` (the token id). */
function readKeyFormat(options: OptionReader): string | undefined {
  const value = options.string('tokens', 'keyformat');
  if (value === undefined) {
    return undefined;
  }
  for (const entry of value.split(',').map((e) => e.trim())) {
    if (entry !== '' && (entry.split('%s').length !== 2 || entry.replace('%s', '').includes('%'))) {
      throw new ConfigError(
        'tokens',
        'keyformat',
        `invalid key format "${entry}" (needs exactly one %s and no other %)`,
      );
    }
  }
  return value;
}

function readCountry(options: OptionReader): string {
  const value = (options.string('app', 'country') ?? '').toUpperCase();
  if (value !== '' && !/^[A-Z]{2}$/.test(value)) {
    throw new ConfigError('app', 'country', `invalid country "${value}" (ISO 3166 code like DE)`);
  }
  return value;
}

function readStaticTokens(ini: IniFile, options: OptionReader): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const id of optionNames(ini, 'tokens')) {
    if (id === 'keyformat') {
      continue;
    }
    const path = options.string('tokens', id);
    if (path === undefined) {
      throw new ConfigError('tokens', id, 'no public key file given');
    }
    tokens[id] = path;
  }
  return tokens;
}

function readMcu(options: OptionReader): ProxyConfig['mcu'] {
  const type = options.string('mcu', 'type') ?? 'janus';
  if (type !== 'janus') {
    throw new ConfigError('mcu', 'type', `unsupported MCU type "${type}" (use janus)`);
  }
  const url = options.stringWithEnv('mcu', 'url');
  if (url === undefined) {
    throw new ConfigError('mcu', 'url', 'no MCU server url configured');
  }
  if (!/^wss?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new ConfigError('mcu', 'url', `invalid Janus WebSocket URL "${url}"`);
  }
  return {
    type,
    url,
    timeoutMs: options.seconds('mcu', 'timeout', DEFAULT_MCU_TIMEOUT_SECONDS),
    maxStreamBitrate: options.positiveInt('mcu', 'maxstreambitrate', DEFAULT_MAX_STREAM_BITRATE),
    maxScreenBitrate: options.positiveInt('mcu', 'maxscreenbitrate', DEFAULT_MAX_SCREEN_BITRATE),
    allowedCandidates: options.ipList('mcu', 'allowedcandidates'),
    blockedCandidates: options.ipList('mcu', 'blockedcandidates'),
  };
}

function isSet(ini: IniFile, section: string, key: string): boolean {
  const value = getRawValue(ini, section, key);
  return value !== undefined && value !== '';
}

/** Set options of {@link UNSUPPORTED}. */
function unsupportedOptions(ini: IniFile): string[] {
  const result: string[] = [];
  for (const [section, key] of UNSUPPORTED) {
    if (isSet(ini, section, key)) {
      result.push(`[${section}] ${key}`);
    }
  }
  return result;
}

/** Options upstream's proxy does not know either (most likely typos). */
function unknown(ini: IniFile): string[] {
  const result: string[] = [];
  for (const [section, known] of Object.entries(UPSTREAM_OPTIONS)) {
    for (const key of optionNames(ini, section)) {
      if (!known.includes(key)) {
        result.push(`[${section}] ${key}: unknown option, ignored`);
      }
    }
  }
  return result;
}
