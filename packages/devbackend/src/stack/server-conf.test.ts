import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildServerConf } from './server-conf.js';

test('server.conf - has listener, session keys, internal secret and the dev backend', () => {
  const conf = buildServerConf({
    listen: '127.0.0.1:8081',
    backendUrl: 'http://127.0.0.1:9000/',
    secret: 'shh',
  });
  assert.match(conf.text, /^\[http\]\nlisten = 127\.0\.0\.1:8081$/m);
  assert.match(conf.text, /^hashkey = [0-9a-f]{64}$/m);
  assert.equal(conf.blockKey.length, 32);
  assert.match(conf.text, new RegExp(`^blockkey = ${conf.blockKey}$`, 'm'));
  assert.match(conf.text, /^\[clients\]\ninternalsecret = [0-9a-f]+$/m);
  assert.match(conf.text, /^\[backend\]\nbackends = dev$/m);
  assert.match(conf.text, /^\[dev\]\nurls = http:\/\/127\.0\.0\.1:9000\/\nsecret = shh$/m);
});
