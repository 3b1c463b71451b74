import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import { test } from 'node:test';
import { DEFAULT_TRUSTED_PROXIES, IpList, parseIPv4, realClientIp } from './real-ip.js';

const defaults = new IpList(DEFAULT_TRUSTED_PROXIES);

/** A seeded xorshift generator (this package cannot use the testkit's, which depends on it). */
class Prng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed || 1;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state % n;
  }
}

test('real ip - headers of untrusted peers are ignored', () => {
  const headers = { 'x-real-ip': '198.51.100.7', 'x-forwarded-for': '198.51.100.8' };
  assert.equal(realClientIp('203.0.113.5', headers, defaults), '203.0.113.5');
  assert.equal(realClientIp('2001:db8::1', headers, defaults), '2001:db8::1');
  // Only loopback trusted: a private-range peer is not.
  assert.equal(realClientIp('10.0.0.2', headers, new IpList(['127.0.0.1'])), '10.0.0.2');
});

test('real ip - a trusted proxy: a valid X-Real-IP wins', () => {
  for (const peer of [
    '127.0.0.1',
    '::1',
    '::ffff:127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.9.9',
  ]) {
    assert.equal(
      realClientIp(
        peer,
        { 'x-real-ip': ' 198.51.100.7 ', 'x-forwarded-for': '198.51.100.8' },
        defaults,
      ),
      '198.51.100.7',
      peer,
    );
  }
  assert.equal(realClientIp('127.0.0.1', { 'x-real-ip': '2001:db8::5' }, defaults), '2001:db8::5');
});

test('real ip - X-Forwarded-For: right-most untrusted hop, else the left-most, invalid hops skipped', () => {
  const xff = (value: string | string[]) =>
    realClientIp('127.0.0.1', { 'x-real-ip': 'not-an-ip', 'x-forwarded-for': value }, defaults);
  assert.equal(xff('198.51.100.1, 203.0.113.9, 10.0.0.1'), '203.0.113.9');
  assert.equal(xff('198.51.100.1,garbage'), '198.51.100.1');
  assert.equal(xff('10.0.0.5, 192.168.0.1'), '10.0.0.5');
  assert.equal(xff(['198.51.100.1', '203.0.113.9']), '203.0.113.9');
  assert.equal(xff(''), '127.0.0.1');
  assert.equal(realClientIp('127.0.0.1', {}, defaults), '127.0.0.1');
});

test('real ip - configured trusted proxies replace the defaults', () => {
  const list = new IpList(['192.0.2.0/24', '2001:db8::/32']);
  assert.equal(realClientIp('192.0.2.10', { 'x-real-ip': '198.51.100.7' }, list), '198.51.100.7');
  assert.equal(
    realClientIp('2001:db8:1::1', { 'x-real-ip': '198.51.100.7' }, list),
    '198.51.100.7',
  );
  assert.equal(realClientIp('127.0.0.1', { 'x-real-ip': '198.51.100.7' }, list), '127.0.0.1');
  // Hops inside the configured proxies are skipped.
  assert.equal(
    realClientIp('192.0.2.10', { 'x-forwarded-for': '198.51.100.1, 192.0.2.20' }, list),
    '198.51.100.1',
  );
});

test('ip list - addresses, subnets, IPv4-mapped IPv6 and garbage', () => {
  const list = new IpList(['127.0.0.1', '::1', '10.0.0.0/8']);
  assert.ok(list.contains('127.0.0.1'));
  assert.ok(list.contains('::ffff:127.0.0.1'));
  assert.ok(list.contains('::1'));
  assert.ok(list.contains('10.200.0.1'));
  assert.ok(!list.contains('127.0.0.2'));
  assert.ok(!list.contains('11.0.0.1'));
  assert.ok(!list.contains('not an ip'));
  assert.ok(!list.contains(''));
  assert.ok(new IpList([]).empty);
});

test('real ip - parseIPv4 agrees with isIP on valid, malformed and random strings', () => {
  const prng = new Prng(7);
  const samples = [
    '0.0.0.0',
    '255.255.255.255',
    '1.2.3.4',
    '01.2.3.4',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1..2.3',
    '.1.2.3',
    '1.2.3.',
    '1.2.3.4 ',
    '١.2.3.4',
    '::1',
    '',
  ];
  const alphabet = '0123456789..:af';
  for (let i = 0; i < 20000; i++) {
    const length = 1 + prng.int(16);
    let text = '';
    for (let j = 0; j < length; j++) {
      text += alphabet[prng.int(alphabet.length)];
    }
    samples.push(text);
    samples.push([prng.int(300), prng.int(300), prng.int(300), prng.int(300)].join('.'));
  }
  for (const text of samples) {
    const parsed = parseIPv4(text);
    assert.equal(parsed !== undefined, isIP(text) === 4, text);
    if (parsed !== undefined) {
      const expected = text.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
      assert.equal(parsed, expected, text);
    }
  }
});

test('real ip - IpList answers like node BlockList for random addresses and CIDRs', () => {
  const prng = new Prng(11);
  const v4 = () => [prng.int(256), prng.int(256), prng.int(256), prng.int(256)].join('.');
  for (let round = 0; round < 200; round++) {
    const entries: string[] = [];
    for (let i = 0, n = 1 + prng.int(4); i < n; i++) {
      const kind = prng.int(5);
      if (kind === 0) {
        entries.push(v4());
      } else if (kind === 4) {
        entries.push(prng.int(2) === 0 ? '::ffff:0:0/96' : '2001:db8::/32');
      } else {
        entries.push(`${v4()}/${prng.int(33)}`);
      }
    }
    const reference = new BlockList();
    for (const entry of entries) {
      const [addr = '', bits] = entry.split('/');
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) {
        reference.addAddress(addr, family);
      } else {
        reference.addSubnet(addr, Number(bits), family);
      }
    }
    const list = new IpList(entries);
    for (let i = 0; i < 50; i++) {
      // Addresses near the entries as well as random ones, plain and IPv4-mapped.
      const base = (entries[prng.int(entries.length)] ?? '').split('/')[0] ?? '';
      const near = isIP(base) === 4 ? base.replace(/\d+$/, String(prng.int(256))) : v4();
      for (const address of [near, v4(), `::ffff:${near}`, '2001:db8::7', '::1']) {
        const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
        const expected = reference.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
        assert.equal(list.contains(address), expected, `${address} in ${entries.join(' ')}`);
      }
    }
  }
});
