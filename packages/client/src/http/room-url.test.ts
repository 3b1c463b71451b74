import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientError } from '../util/client-error.js';
import { parseRoomUrl } from './room-url.js';

test('parseRoomUrl - plain, index.php and sub-path links', () => {
  assert.deepEqual(parseRoomUrl('https://cloud.example.com/call/erwcr27x'), {
    baseUrl: 'https://cloud.example.com/',
    token: 'erwcr27x',
    pageUrl: 'https://cloud.example.com/call/erwcr27x',
  });
  assert.deepEqual(parseRoomUrl('https://cloud.example.com/index.php/call/abc123/'), {
    baseUrl: 'https://cloud.example.com/',
    token: 'abc123',
    pageUrl: 'https://cloud.example.com/index.php/call/abc123/',
  });
  const sub = parseRoomUrl(' http://127.0.0.1:8080/nextcloud/index.php/call/Tok3n?x=1#frag ');
  assert.equal(sub.baseUrl, 'http://127.0.0.1:8080/nextcloud/');
  assert.equal(sub.token, 'Tok3n');
  assert.equal(sub.pageUrl, 'http://127.0.0.1:8080/nextcloud/index.php/call/Tok3n');
});

test('parseRoomUrl - anything else is wrong_url', () => {
  for (const bad of [
    '',
    'erwcr27x',
    'ftp://host/call/abc',
    'https://host/apps/spreed/',
    'https://host/call/',
  ]) {
    assert.throws(
      () => parseRoomUrl(bad),
      (error: unknown) => error instanceof ClientError && error.reason === 'wrong_url',
      bad,
    );
  }
});
