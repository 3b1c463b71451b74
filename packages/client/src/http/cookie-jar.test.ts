import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CookieJar } from './cookie-jar.js';

test('CookieJar - stores, replaces and sends cookies by path', () => {
  const jar = new CookieJar();
  jar.store([
    'nc_session_id=abc; path=/; httponly; samesite=lax',
    'nc_sameSiteCookielax=true; path=/; httponly; samesite=lax',
    'scoped=1; Path=/apps',
  ]);
  assert.equal(
    jar.header('https://h/ocs/v2.php/x'),
    'nc_session_id=abc; nc_sameSiteCookielax=true',
  );
  assert.equal(
    jar.header('https://h/apps/spreed'),
    'nc_session_id=abc; nc_sameSiteCookielax=true; scoped=1',
  );
  jar.store(['nc_session_id=def; path=/']);
  assert.match(jar.header('https://h/') ?? '', /nc_session_id=def/);
});

test('CookieJar - Max-Age and Expires delete or expire cookies', () => {
  let now = 1_000_000;
  const jar = new CookieJar(() => now);
  jar.store(['a=1; Max-Age=10', 'b=2', 'c=3; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
  assert.equal(jar.header('https://h/'), 'a=1; b=2');
  jar.store(['b=deleted; Max-Age=0']);
  assert.equal(jar.header('https://h/'), 'a=1');
  now += 11_000;
  assert.equal(jar.header('https://h/'), undefined);
});
