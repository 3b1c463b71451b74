import { BlockList, isIP } from 'node:net';

/** Upstream's default trusted proxies: loopback and private networks. */
export const DEFAULT_TRUSTED_PROXIES = [
  '127.0.0.0/8',
  '::1/128',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
];

/**
 * A set of IPs and CIDRs. IPv4 addresses — nearly every peer behind a reverse proxy — are matched
 * against the IPv4 entries as 32-bit integers; node's `BlockList` (which builds a `SocketAddress`
 * object per check) only handles IPv6, and IPv4 against IPv6 entries such as `::ffff:0:0/96`.
 */
export class IpList {
  readonly #list = new BlockList();
  /** IPv4 entries as [network, mask], both unsigned 32-bit. */
  readonly #v4: Array<[network: number, mask: number]> = [];
  readonly #hasV6: boolean;
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    this.empty = entries.length === 0;
    let hasV6 = false;
    for (const entry of entries) {
      const [addr = '', bits] = entry.split('/');
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) {
        this.#list.addAddress(addr, family);
      } else {
        this.#list.addSubnet(addr, Number(bits), family);
      }
      const v4 = family === 'ipv4' ? parseIPv4(addr) : undefined;
      if (v4 === undefined) {
        hasV6 = true;
        continue;
      }
      const prefix = bits === undefined ? 32 : Number(bits);
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      this.#v4.push([(v4 & mask) >>> 0, mask]);
    }
    this.#hasV6 = hasV6;
  }

  /** Whether `address` is in the list (IPv4-mapped IPv6 addresses count as IPv4). */
  contains(address: string): boolean {
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    const v4 = parseIPv4(plain);
    if (v4 !== undefined) {
      for (const [network, mask] of this.#v4) {
        if ((v4 & mask) >>> 0 === network) {
          return true;
        }
      }
      return this.#hasV6 && this.#list.check(plain, 'ipv4');
    }
    return isIP(address) === 6 && this.#list.check(address, 'ipv6');
  }
}

/**
 * A dotted-quad IPv4 address as an unsigned 32-bit integer; undefined for anything `isIP` would
 * not call IPv4 (four decimal parts of 0–255, no leading zeros, nothing else).
 */
export function parseIPv4(text: string): number | undefined {
  const length = text.length;
  if (length < 7 || length > 15) {
    return undefined;
  }
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) {
        return undefined;
      }
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) {
        return undefined; // a leading zero
      }
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255) {
        return undefined;
      }
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) {
    return undefined;
  }
  return value * 256 + part;
}

/**
 * The client's address: the TCP peer, unless the peer is a trusted proxy, in which case a valid
 * `X-Real-IP` wins, else the right-most `X-Forwarded-For` hop that is not itself trusted.
 */
export function realClientIp(
  peer: string,
  headers: Record<string, string | string[] | undefined>,
  trusted: IpList,
): string {
  if (!trusted.contains(peer)) {
    return peer;
  }
  const realIp = headerValue(headers['x-real-ip']).trim();
  if (realIp && isIP(realIp)) {
    return realIp;
  }
  const forwarded = headerValue(headers['x-forwarded-for'])
    .split(',')
    .map((h) => h.trim())
    .filter((h) => isIP(h) !== 0);
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const hop = forwarded[i] as string;
    if (!trusted.contains(hop)) {
      return hop;
    }
  }
  return forwarded[0] ?? peer;
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}
