import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalBackendUrl } from './urls.js';

test('a Nextcloud base URL is normalised', () => {
  const cases: [string, string | undefined][] = [
    ['https://Cloud.Example.com', 'https://cloud.example.com/'],
    ['https://cloud.example.com:443/nc/', 'https://cloud.example.com/nc/'],
    [
      'http://cloud.example.com:8080/ocs/v2.php/apps/spreed/api/v1/signaling/backend',
      'http://cloud.example.com:8080/',
    ],
    ['https://cloud.example.com/?x=1#y', 'https://cloud.example.com/'],
    ['ftp://cloud.example.com/', undefined],
    ['not a url', undefined],
    ['', undefined],
  ];
  // Twice, so answers served from the memo of recent URLs are checked as well.
  for (let round = 0; round < 2; round++) {
    for (const [raw, expected] of cases) {
      assert.equal(canonicalBackendUrl(raw), expected, raw);
    }
  }
});

test('many distinct URLs do not change the answers', () => {
  for (let i = 0; i < 600; i++) {
    assert.equal(canonicalBackendUrl(`https://h${i}.example.com`), `https://h${i}.example.com/`);
  }
  assert.equal(canonicalBackendUrl('https://h1.example.com'), 'https://h1.example.com/');
});
