import { isIP } from 'node:net';
import { expandEnv, getValue, type IniFile } from './ini.js';
import { ConfigError, type ListenAddress } from './server-config.js';

/** Values goconf accepts for a boolean, compared case-insensitively. */
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['t', true],
  ['true', true],
  ['y', true],
  ['yes', true],
  ['on', true],
  ['1', true],
  ['f', false],
  ['false', false],
  ['n', false],
  ['no', false],
  ['off', false],
  ['0', false],
]);

const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;

/**
 * Typed access to the options of one parsed file. Upstream treats an empty value exactly like a
 * missing one (every reader checks for `""` or falls back on a parse error), so every getter here
 * returns undefined for both. Unlike upstream, a value that does not parse is a {@link ConfigError}
 * rather than a silent default.
 * @internal
 */
export class OptionReader {
  readonly #ini: IniFile;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #warnings: string[];

  constructor(ini: IniFile, env: Readonly<Record<string, string | undefined>>, warnings: string[]) {
    this.#ini = ini;
    this.#env = env;
    this.#warnings = warnings;
  }

  /** The value (with `%(name)s` unfolded), or undefined when missing or empty. */
  string(section: string, key: string): string | undefined {
    const value = getValue(this.#ini, section, key);
    return value === '' ? undefined : value;
  }

  /**
   * Like {@link string}, then `$(VAR)` references replaced. Upstream does this only for listen
   * addresses, URLs and secrets; each call site here mirrors one of upstream's.
   */
  stringWithEnv(section: string, key: string): string | undefined {
    const raw = this.string(section, key);
    if (raw === undefined) {
      return undefined;
    }
    const { value, missing } = expandEnv(raw, this.#env);
    for (const name of missing) {
      this.#warnings.push(
        `[${section}] ${key}: environment variable ${name} is not set, using the text "${name}" as upstream does`,
      );
    }
    return value === '' ? undefined : value;
  }

  bool(section: string, key: string, fallback: boolean): boolean {
    const value = this.string(section, key);
    if (value === undefined) {
      return fallback;
    }
    const parsed = BOOLEANS.get(value.toLowerCase());
    if (parsed === undefined) {
      throw new ConfigError(section, key, `invalid boolean "${value}" (use true or false)`);
    }
    return parsed;
  }

  /** An integer in Go `strconv.Atoi` syntax (optional sign, decimal digits). */
  int(section: string, key: string): number | undefined {
    const value = this.string(section, key);
    if (value === undefined) {
      return undefined;
    }
    const parsed = /^[+-]?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed)) {
      throw new ConfigError(section, key, `invalid integer "${value}"`);
    }
    return parsed;
  }

  /** A positive integer; missing, zero or negative gives the fallback (upstream's rule). */
  positiveInt(section: string, key: string, fallback: number): number {
    const value = this.int(section, key);
    return value === undefined || value <= 0 ? fallback : value;
  }

  /** Seconds in the file, milliseconds in the result; missing, zero or negative gives the default. */
  seconds(section: string, key: string, fallbackSeconds: number): number {
    return this.positiveInt(section, key, fallbackSeconds) * 1000;
  }

  /** A count or bitrate where a negative value means 0 (unset), as upstream clamps them. */
  nonNegativeInt(section: string, key: string): number {
    return Math.max(0, this.int(section, key) ?? 0);
  }

  /** A comma-separated list of IP addresses and CIDR subnets, validated; [] when unset. */
  ipList(section: string, key: string): string[] {
    const entries = splitEntries(this.string(section, key) ?? '', ',');
    for (const entry of entries) {
      if (!isIpOrSubnet(entry)) {
        throw new ConfigError(section, key, `invalid IP address or subnet "${entry}"`);
      }
    }
    return entries;
  }

  /** A space-separated list of listen addresses (`host:port`, `[v6]:port`, `/unix/path`). */
  listen(section: string, key: string): ListenAddress[] {
    return splitEntries(this.stringWithEnv(section, key) ?? '', ' ').map((entry) => {
      const address = parseListenAddress(entry);
      if (address === undefined) {
        throw new ConfigError(section, key, `invalid listen address "${entry}"`);
      }
      return address;
    });
  }
}

/** Splits on `separator`, trims each entry and drops empty ones (upstream's `SplitEntries`). */
export function splitEntries(value: string, separator: string): string[] {
  return value
    .split(separator)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** An IP address or `address/prefix` subnet as Go's `net.ParseIP` / `net.ParseCIDR` accept them. */
export function isIpOrSubnet(text: string): boolean {
  // Node accepts IPv6 zone ids ("fe80::1%eth0"), Go's parser does not.
  if (text.includes('%')) {
    return false;
  }
  const slash = text.indexOf('/');
  if (slash === -1) {
    return isIP(text) !== 0;
  }
  const family = isIP(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(prefix)) {
    return false;
  }
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Parses one listen address the way upstream's `createListener` interprets it: a leading `/` is a
 * unix socket path, anything else goes to Go's `net.Listen("tcp", …)` as `host:port`, where host may
 * be empty (all interfaces), an IPv4 address, a bracketed IPv6 address or a hostname. Go also
 * accepts service names as ports; we only accept numbers.
 */
export function parseListenAddress(text: string): ListenAddress | undefined {
  if (text.startsWith('/')) {
    return { kind: 'unix', path: text };
  }
  const colon = text.lastIndexOf(':');
  if (colon === -1) {
    return undefined;
  }
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    return undefined;
  }
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6 || host.includes('%')) {
      return undefined;
    }
  } else if (host !== '' && isIP(host) !== 4 && !HOSTNAME.test(host)) {
    return undefined;
  }
  return { kind: 'tcp', host, port: Number(portText) };
}
