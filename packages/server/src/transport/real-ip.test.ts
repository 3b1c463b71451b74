import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TRUSTED_PROXIES, IpList, realClientIp } from './real-ip.js';

const defaults = new IpList(DEFAULT_TRUSTED_PROXIES);

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
