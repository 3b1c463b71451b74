import { ETCD_OPTIONS } from '../etcd/etcd-config.js';
import { getRawValue, type IniFile, optionNames } from './ini.js';

/**
 * Every option upstream's signaling server reads from server.conf, by section, as found in its
 * sources. Per-backend sections are listed separately since their names are chosen by the user.
 */
const UPSTREAM_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  http: ['listen', 'readtimeout', 'writetimeout'],
  https: ['listen', 'readtimeout', 'writetimeout', 'certificate', 'key'],
  app: ['debug', 'allowsubscribeany', 'trustedproxies'],
  sessions: ['hashkey', 'blockkey'],
  clients: ['internalsecret'],
  federation: ['skipverify', 'timeout'],
  backend: [
    'backendtype',
    'backends',
    'backendprefix',
    'allowall',
    'secret',
    'timeout',
    'connectionsperhost',
    'skipverify',
    'allowed',
    'allowhttp',
    'sessionlimit',
    'maxstreambitrate',
    'maxscreenbitrate',
  ],
  // `heartbeat` is our extension (cluster heartbeat interval), listed so it is not warned about.
  nats: ['url', 'heartbeat'],
  mcu: [
    'type',
    'url',
    'maxstreambitrate',
    'maxscreenbitrate',
    'allowedcandidates',
    'blockedcandidates',
    'timeout',
    'proxytimeout',
    'urltype',
    'skipverify',
    'token_id',
    'token_key',
    'dnsdiscovery',
    'keyprefix',
    // Deprecated places of the [etcd] options, still read by upstream.
    'endpoints',
    'discoverysrv',
    'discoveryservice',
    'clientkey',
    'clientcert',
    'cacert',
  ],
  turn: ['apikey', 'secret', 'servers'],
  stats: ['allowed_ips'],
  etcd: ETCD_OPTIONS,
  grpc: [
    'listen',
    'servercertificate',
    'serverkey',
    'serverca',
    'clientcertificate',
    'clientkey',
    'clientca',
    'targettype',
    'targets',
    'dnsdiscovery',
    'targetprefix',
  ],
  geoip: ['license', 'url'],
};

/** Options of a per-backend section. */
const BACKEND_SECTION_OPTIONS: readonly string[] = [
  'urls',
  'url',
  'secret',
  'sessionlimit',
  'maxstreambitrate',
  'maxscreenbitrate',
];

/** Sections whose options (any name) are all not implemented yet. */
const UNSUPPORTED_SECTIONS: readonly string[] = ['grpc', 'geoip'];

/**
 * Single options not implemented yet. `[etcd] loglevel` sets the log level of the Go etcd
 * client's own logger, which has no counterpart here (its value is still validated).
 */
const UNSUPPORTED_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  etcd: ['loglevel'],
};

/** Option values that select a feature not implemented yet. */
const UNSUPPORTED_VALUES: readonly (readonly [section: string, key: string, value: string])[] = [];

function isSet(ini: IniFile, section: string, key: string): boolean {
  const value = getRawValue(ini, section, key);
  if (value === undefined || value === '') {
    return false;
  }
  // Upstream reads these two GeoIP url values as "no URL".
  return !(section === 'geoip' && key === 'url' && (value === 'default' || value === 'none'));
}

/**
 * The options set (to a non-empty value) in the file that upstream implements and we do not yet,
 * as `[section] key` or `[section] key = value`.
 */
export function unsupportedOptions(ini: IniFile): string[] {
  const result: string[] = [];
  for (const section of UNSUPPORTED_SECTIONS) {
    for (const key of optionNames(ini, section)) {
      if (isSet(ini, section, key)) {
        result.push(`[${section}] ${key}`);
      }
    }
  }
  for (const [section, keys] of Object.entries(UNSUPPORTED_OPTIONS)) {
    for (const key of keys) {
      if (isSet(ini, section, key)) {
        result.push(`[${section}] ${key}`);
      }
    }
  }
  for (const [section, key, value] of UNSUPPORTED_VALUES) {
    if (getRawValue(ini, section, key) === value) {
      result.push(`[${section}] ${key} = ${value}`);
    }
  }
  return result;
}

/**
 * Warnings for options upstream does not know either (most likely typos), in upstream's sections
 * and in the sections of the configured backends. Other sections are left alone: upstream ignores
 * them, and users keep disabled backend sections around.
 */
export function unknownOptions(ini: IniFile, backendIds: readonly string[]): string[] {
  const result: string[] = [];
  const check = (section: string, known: readonly string[]) => {
    for (const key of optionNames(ini, section)) {
      if (!known.includes(key)) {
        result.push(`[${section}] ${key}: unknown option, ignored`);
      }
    }
  };
  for (const [section, known] of Object.entries(UPSTREAM_OPTIONS)) {
    check(section, known);
  }
  for (const id of new Set(backendIds.map((id) => id.toLowerCase()))) {
    if (!Object.hasOwn(UPSTREAM_OPTIONS, id)) {
      check(id, BACKEND_SECTION_OPTIONS);
    }
  }
  return result;
}
