import { canonicalBackendUrl } from '@spreed-ts/protocol';
import { hasSection, type IniFile } from './ini.js';
import { type OptionReader, splitEntries } from './option-reader.js';
import { type BackendConfig, type BackendsConfig, ConfigError } from './server-config.js';

/** Id upstream gives the single backend of the legacy `allowed` form and of `allowall`. */
export const COMPAT_BACKEND_ID = 'compat';

/** Legacy single-backend options of `[backend]`, ignored when `backends` is set. */
const COMPAT_KEYS = [
  'allowed',
  'allowhttp',
  'sessionlimit',
  'maxstreambitrate',
  'maxscreenbitrate',
];

const DEFAULT_TIMEOUT_SECONDS = 10;
/** Upstream's documented `[backend] backendprefix`. */
const DEFAULT_ETCD_PREFIX = '/signaling/backend';
const DEFAULT_CONNECTIONS_PER_HOST = 8;

/**
 * Reads `[backend]` and the per-backend sections, following upstream's static backend storage
 * (`NewBackendStorageStatic`): `allowall` wins over `backends`, which wins over the legacy
 * `allowed` host list. Where upstream logs and skips a broken backend, we throw. With
 * `backendtype = etcd` only the common options and `backendprefix` are read.
 */
export function loadBackends(
  ini: IniFile,
  options: OptionReader,
  warnings: string[],
): BackendsConfig {
  const secret = options.stringWithEnv('backend', 'secret') ?? '';
  const allowAll = options.bool('backend', 'allowall', false);
  const common = {
    allowAll,
    secret,
    backends: [] as BackendConfig[],
    timeoutMs: options.seconds('backend', 'timeout', DEFAULT_TIMEOUT_SECONDS),
    connectionsPerHost: options.positiveInt(
      'backend',
      'connectionsperhost',
      DEFAULT_CONNECTIONS_PER_HOST,
    ),
    skipVerify: options.bool('backend', 'skipverify', false),
  };
  // The legacy keys are read (and so validated) whether or not the compat form is used, as
  // upstream builds its compat backend from them both for `allowall` and for `allowed`.
  const compat = compatBackend(options, secret);

  const type = options.string('backend', 'backendtype') ?? 'static';
  if (type !== 'static' && type !== 'etcd') {
    throw new ConfigError(
      'backend',
      'backendtype',
      `unknown backend type "${type}" (use static or etcd)`,
    );
  }
  if (type === 'etcd') {
    // Upstream's etcd storage knows neither allowall nor the static lists.
    for (const key of ['allowall', 'backends', 'allowed']) {
      if (options.string('backend', key) !== undefined) {
        warnings.push(`[backend] ${key}: ignored because backendtype is etcd`);
      }
    }
    const prefix = options.string('backend', 'backendprefix') ?? DEFAULT_ETCD_PREFIX;
    return { ...common, allowAll: false, etcd: { prefix } };
  }

  if (allowAll) {
    warnings.push('[backend] allowall: every backend URL is accepted; use for development only');
    if (options.string('backend', 'backends') !== undefined) {
      warnings.push('[backend] backends: ignored because allowall is enabled');
    }
    if (secret === '') {
      warnings.push('[backend] secret: empty, so allowall accepts requests signed with no secret');
    }
    // Upstream hands every URL to the compat backend without checking the scheme.
    return { ...common, allowAllBackend: { ...compat, allowHttp: true } };
  }

  const ids = options.string('backend', 'backends');
  if (ids !== undefined) {
    for (const key of COMPAT_KEYS) {
      if (options.string('backend', key) !== undefined) {
        warnings.push(`[backend] ${key}: ignored because backends are configured in sections`);
      }
    }
    const backends = backendSections(ini, options, ids, secret);
    if (backends.length === 0) {
      warnings.push('[backend] backends: no backend ids listed; no client can connect');
    }
    return { ...common, backends };
  }

  const allowed = options.string('backend', 'allowed');
  if (allowed !== undefined) {
    const hosts = allowedHosts(allowed, warnings);
    if (hosts.length === 0) {
      warnings.push('[backend] allowed: no usable hostname; no client can connect');
      return common;
    }
    warnings.push('[backend] allowed: deprecated, consider moving to "backends" sections');
    if (secret === '') {
      warnings.push('[backend] secret: empty, so backend requests are signed with no secret');
    }
    return { ...common, backends: [{ ...compat, hosts }] };
  }

  warnings.push('[backend]: no backends configured; no client can connect');
  return common;
}

function compatBackend(options: OptionReader, secret: string): BackendConfig {
  return {
    id: COMPAT_BACKEND_ID,
    urls: [],
    secret,
    sessionLimit: options.nonNegativeInt('backend', 'sessionlimit'),
    maxStreamBitrate: options.nonNegativeInt('backend', 'maxstreambitrate'),
    maxScreenBitrate: options.nonNegativeInt('backend', 'maxscreenbitrate'),
    allowHttp: options.bool('backend', 'allowhttp', false),
  };
}

/**
 * Host names of the legacy `allowed` list: lower-cased, without any path (upstream warns and cuts
 * it), duplicates dropped. An entry may carry a port (`host:8080`).
 */
function allowedHosts(value: string, warnings: string[]): string[] {
  const hosts = new Set<string>();
  for (const entry of splitEntries(value, ',')) {
    let host = entry;
    const slash = host.indexOf('/');
    if (slash !== -1) {
      warnings.push(`[backend] allowed: path removed from "${entry}", only hostnames are compared`);
      host = host.slice(0, slash);
    }
    if (host !== '') {
      hosts.add(host.toLowerCase());
    }
  }
  return [...hosts];
}

/** The backends named in `[backend] backends`, each read from its own section. */
function backendSections(
  ini: IniFile,
  options: OptionReader,
  ids: string,
  commonSecret: string,
): BackendConfig[] {
  const seenUrls = new Map<string, string>();
  const backends: BackendConfig[] = [];
  for (const id of new Set(splitEntries(ids, ','))) {
    if (!hasSection(ini, id)) {
      throw new ConfigError('backend', 'backends', `backend "${id}" has no section [${id}]`);
    }
    const urls = backendUrls(options, id);
    for (const url of urls) {
      const previous = seenUrls.get(url);
      if (previous !== undefined) {
        throw new ConfigError(id, 'urls', `"${url}" is already used by backend "${previous}"`);
      }
      seenUrls.set(url, id);
    }
    const secret = options.stringWithEnv(id, 'secret') ?? commonSecret;
    if (secret === '') {
      throw new ConfigError(id, 'secret', 'missing, and [backend] secret is not set either');
    }
    backends.push({
      id,
      urls,
      secret,
      sessionLimit: options.nonNegativeInt(id, 'sessionlimit'),
      maxStreamBitrate: options.nonNegativeInt(id, 'maxstreambitrate'),
      maxScreenBitrate: options.nonNegativeInt(id, 'maxscreenbitrate'),
      allowHttp: urls.some((url) => url.startsWith('http:')),
    });
  }
  return backends;
}

/** `urls` (comma-separated) or else the legacy single `url`, canonicalised and de-duplicated. */
function backendUrls(options: OptionReader, id: string): string[] {
  let key = 'urls';
  let entries = splitEntries(options.stringWithEnv(id, 'urls') ?? '', ',');
  if (entries.length === 0) {
    // The legacy option holds exactly one URL; upstream does not split it.
    key = 'url';
    const single = options.stringWithEnv(id, 'url')?.trim() ?? '';
    entries = single === '' ? [] : [single];
  }
  if (entries.length === 0) {
    throw new ConfigError(id, 'urls', 'missing: a backend needs at least one URL');
  }
  const urls = new Set<string>();
  for (const entry of entries) {
    const url = canonicalBackendUrl(entry);
    if (url === undefined) {
      throw new ConfigError(id, key, `invalid backend URL "${entry}" (need http:// or https://)`);
    }
    urls.add(url);
  }
  return [...urls];
}
