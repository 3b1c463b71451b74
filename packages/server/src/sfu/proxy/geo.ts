import { IpList } from '../../transport/real-ip.js';
import { continentOf, isKnownCountry } from './continent-map.js';

/** What placement needs to know about a proxy connection. */
export interface Located {
  /** The proxy's country from its hello (`server.country`), '' when it sent none. */
  readonly country: string;
}

/**
 * The country of a client address from `[geoip-overrides]` (first matching entry, in file order).
 * A GeoIP database is not read: without an override the country is unknown ('').
 */
export class CountryLookup {
  readonly #entries: { list: IpList; country: string }[];

  constructor(overrides: readonly { subnet: string; country: string }[]) {
    this.#entries = overrides.map(({ subnet, country }) => ({
      list: new IpList([subnet]),
      country,
    }));
  }

  /** The country of `address` ('' when unknown). */
  country(address: string | undefined): string {
    if (address === undefined || address === '') {
      return '';
    }
    for (const entry of this.#entries) {
      if (entry.list.contains(address)) {
        return entry.country;
      }
    }
    return '';
  }
}

/** The continents a client on `country`'s continent may use: its own plus the overrides. */
function nearContinents(
  country: string,
  overrides: Readonly<Record<string, readonly string[]>>,
): Set<string> {
  const own = continentOf(country);
  if (own === undefined) {
    return new Set();
  }
  return new Set([own, ...(overrides[own] ?? [])]);
}

/**
 * Orders `candidates` (already by load) for a client in `country`, as upstream does: proxies in the
 * same country first, then those on the same (or an overridden) continent, then the rest, each
 * group keeping its load order. An unknown client country leaves the order alone.
 */
export function orderForCountry<T extends Located>(
  candidates: readonly T[],
  country: string,
  continentOverrides: Readonly<Record<string, readonly string[]>>,
): T[] {
  if (!isKnownCountry(country)) {
    return [...candidates];
  }
  const near = nearContinents(country, continentOverrides);
  const same: T[] = [];
  const continent: T[] = [];
  const rest: T[] = [];
  for (const candidate of candidates) {
    if (candidate.country === country) {
      same.push(candidate);
      continue;
    }
    const theirs = continentOf(candidate.country);
    if (theirs !== undefined && near.has(theirs)) {
      continent.push(candidate);
    } else {
      rest.push(candidate);
    }
  }
  return [...same, ...continent, ...rest];
}
