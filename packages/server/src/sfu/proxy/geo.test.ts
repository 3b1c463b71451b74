import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../logger.js';
import { continentOf, isKnownCountry } from './continent-map.js';
import { CountryLookup, orderForCountry } from './geo.js';
import { DnsUrlSource, type ProxyTarget, StaticUrlSource } from './proxy-sources.js';

const proxies = (...countries: string[]) => countries.map((country, i) => ({ country, i }));

test('geo - continent map and overrides', () => {
  assert.equal(continentOf('DE'), 'EU');
  assert.equal(continentOf('BR'), 'SA');
  assert.equal(continentOf('AU'), 'OC');
  assert.equal(continentOf('XX'), undefined);
  assert.ok(isKnownCountry('US') && !isKnownCountry('') && !isKnownCountry('de'));
  const lookup = new CountryLookup([
    { subnet: '10.1.0.0/16', country: 'FR' },
    { subnet: '10.0.0.0/8', country: 'DE' },
    { subnet: '::1', country: 'US' },
  ]);
  assert.equal(lookup.country('10.1.2.3'), 'FR');
  assert.equal(lookup.country('10.2.2.3'), 'DE');
  assert.equal(lookup.country('::1'), 'US');
  assert.equal(lookup.country('192.168.1.1'), '');
  assert.equal(lookup.country(''), '');
});

test('geo - same country first, then same or mapped continent, else the load order', () => {
  const list = proxies('US', 'FR', 'DE', '', 'BR', 'DE');
  const order = (country: string, overrides = {}) =>
    orderForCountry(list, country, overrides).map((p) => p.i);
  assert.deepEqual(order('DE'), [2, 5, 1, 0, 3, 4]);
  assert.deepEqual(order('IT'), [1, 2, 5, 0, 3, 4]);
  assert.deepEqual(order('CA'), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(order(''), [0, 1, 2, 3, 4, 5]);
  // Clients in South America may use North American proxies as their own continent's.
  assert.deepEqual(order('AR', { SA: ['NA'] }), [0, 4, 1, 2, 3, 5]);
  // Clients in Africa use Europe.
  assert.deepEqual(order('NG', { AF: ['EU'] }), [1, 2, 5, 0, 3, 4]);
});

test('sources - static URLs are added at start, a reload adds and removes the difference', () => {
  const source = new StaticUrlSource(['http://a/', 'http://b/', 'http://a/']);
  const events: string[] = [];
  source.on('added', (t) => events.push(`+${t.url}`));
  source.on('removed', (t) => events.push(`-${t.url}`));
  source.start();
  source.reload(['http://b/', 'http://c/']);
  assert.deepEqual(events, ['+http://a/', '+http://b/', '-http://a/', '+http://c/']);
});

test('sources - DNS discovery: one target per address, re-resolved, failures keep the last list', async () => {
  let answer: string[] | Error = ['10.0.0.1', '10.0.0.2'];
  const source = new DnsUrlSource(
    ['https://proxy.example:8443/', 'http://127.0.0.9:9/'],
    silentLogger,
    {
      resolve: async (host) => {
        assert.equal(host, 'proxy.example');
        if (answer instanceof Error) {
          throw answer;
        }
        return answer;
      },
      intervalMs: 20,
    },
  );
  const live = new Set<string>();
  const key = (t: ProxyTarget) => `${t.url}@${t.ip}`;
  source.on('added', (t) => live.add(key(t)));
  source.on('removed', (t) => live.delete(key(t)));
  const settle = () => new Promise((resolve) => setTimeout(resolve, 80));
  source.start();
  await settle();
  assert.deepEqual([...live].sort(), [
    'http://127.0.0.9:9/@127.0.0.9',
    'https://proxy.example:8443/@10.0.0.1',
    'https://proxy.example:8443/@10.0.0.2',
  ]);
  answer = ['10.0.0.2', '10.0.0.3'];
  await settle();
  assert.deepEqual([...live].sort(), [
    'http://127.0.0.9:9/@127.0.0.9',
    'https://proxy.example:8443/@10.0.0.2',
    'https://proxy.example:8443/@10.0.0.3',
  ]);
  answer = new Error('SERVFAIL');
  await settle();
  assert.equal(live.size, 3);
  source.reload(['http://127.0.0.9:9/']);
  await settle();
  assert.deepEqual([...live], ['http://127.0.0.9:9/@127.0.0.9']);
  source.stop();
});
