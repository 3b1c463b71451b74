import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  randomTurnUsername,
  TURN_CREDENTIALS_TTL_SECONDS,
  turnCredentials,
} from './turn-credentials.js';

test('turn credentials - expiry-prefixed user name and HMAC-SHA1 password (vector from openssl)', () => {
  // 1700000000 + 24 h = 1700086400.
  const credentials = turnCredentials(
    'alice',
    'turn-secret',
    ['turn:t.invalid:3478'],
    1_700_000_000_123,
  );
  assert.deepEqual(credentials, {
    username: '1700086400:alice',
    password: '5iY+IeUUagohcNcZFo30lkvz3YM=',
    ttl: TURN_CREDENTIALS_TTL_SECONDS,
    uris: ['turn:t.invalid:3478'],
  });
  assert.equal(TURN_CREDENTIALS_TTL_SECONDS, 86_400);
});

test('turn credentials - random user names are 32 base32 characters', () => {
  const a = randomTurnUsername();
  assert.match(a, /^[A-Z2-7]{32}$/);
  assert.notEqual(a, randomTurnUsername());
});
