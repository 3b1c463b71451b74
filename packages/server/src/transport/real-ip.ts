import { BlockList, isIP } from 'node:net';

/** Upstream's default trusted proxies: loopback and private networks. */
export const DEFAULT_TRUSTED_PROXIES = [
  '127.0.0.0/8',
  '::1/128',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
];

/** A set of IPs and CIDRs. */
export class IpList {
  readonly #list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    this.empty = entries.length === 0;
    for (const entry of entries) {
      const [addr = '', bits] = entry.split('/');
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) {
        this.#list.addAddress(addr, family);
      } else {
        this.#list.addSubnet(addr, Number(bits), family);
      }
    }
  }

  /** Whether `address` is in the list (IPv4-mapped IPv6 addresses count as IPv4). */
  contains(address: string): boolean {
    const plain =
      address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    if (family === 0) {
      return false;
    }
    return this.#list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
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
