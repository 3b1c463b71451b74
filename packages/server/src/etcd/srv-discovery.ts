import type { SrvRecord } from 'node:dns';
import { resolveSrv } from 'node:dns/promises';

/** Looks up the SRV records of one name (node:dns by default; tests pass their own). */
export type SrvResolver = (name: string) => Promise<SrvRecord[]>;

/**
 * Finds the etcd client endpoints of `domain` the way etcd's Go client does for upstream's
 * `discoverysrv`: `_etcd-client-ssl[-SERVICE]._tcp.DOMAIN` gives `https://` endpoints and
 * `_etcd-client[-SERVICE]._tcp.DOMAIN` gives `http://` ones. Fails only when both lookups fail.
 */
export async function discoverEtcdEndpoints(
  domain: string,
  service: string,
  resolve: SrvResolver = resolveSrv,
): Promise<string[]> {
  const suffix = service === '' ? '' : `-${service}`;
  const lookups = [
    { name: `_etcd-client-ssl${suffix}._tcp.${domain}`, scheme: 'https' },
    { name: `_etcd-client${suffix}._tcp.${domain}`, scheme: 'http' },
  ];
  const endpoints: string[] = [];
  const errors: string[] = [];
  for (const { name, scheme } of lookups) {
    try {
      for (const record of await resolve(name)) {
        const host = record.name.replace(/\.$/, '');
        endpoints.push(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${record.port}`);
      }
    } catch (err) {
      errors.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (errors.length === lookups.length) {
    throw new Error(`could not discover etcd endpoints for ${domain} (${errors.join('; ')})`);
  }
  return endpoints;
}
