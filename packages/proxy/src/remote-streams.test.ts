import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadProxyConfig } from './config.js';
import { checkedStreams, RemoteStreamError, validRemoteUrl } from './remote-streams.js';

const BASE = '[mcu]\nurl = ws://127.0.0.1:8188/\n';

test('remote streams - [app] token_id needs token_key; hostname is validated', () => {
  assert.equal(loadProxyConfig(BASE, {}).config.app.remote, undefined);
  assert.throws(() => loadProxyConfig(`${BASE}[app]\ntoken_id = p1\n`, {}), /token_key/);
  assert.deepEqual(
    loadProxyConfig(`${BASE}[app]\ntoken_id = p1\ntoken_key = /k.pem\nhostname = 10.0.0.5\n`, {})
      .config.app.remote,
    { tokenId: 'p1', tokenKeyPath: '/k.pem', hostname: '10.0.0.5' },
  );
  assert.throws(
    () => loadProxyConfig(`${BASE}[app]\ntoken_id = p1\ntoken_key = /k\nhostname = a b\n`, {}),
    /hostname/,
  );
  assert.deepEqual(
    loadProxyConfig(`${BASE}[app]\ntoken_id = p1\ntoken_key = /k.pem\n`, {}).unsupported,
    [],
  );
});

test('remote streams - remote URLs and streams from another proxy are checked', () => {
  assert.equal(validRemoteUrl('https://proxy.example/'), true);
  assert.equal(validRemoteUrl('ws://127.0.0.1:9/'), true);
  assert.equal(validRemoteUrl('file:///etc/passwd'), false);
  assert.equal(validRemoteUrl(`http://x/${'a'.repeat(2000)}`), false);
  assert.deepEqual(
    checkedStreams([{ mid: '0', mindex: 0, type: 'audio', codec: 'opus', fec: true, extra: 1 }]),
    [{ mid: '0', mindex: 0, type: 'audio', codec: 'opus', fec: true }],
  );
  for (const bad of [
    null,
    {},
    [{ mid: '0', mindex: 0, type: 'text' }],
    [{ mid: '', mindex: 0, type: 'audio' }],
    [{ mid: '0', mindex: -1, type: 'audio' }],
    [{ mid: '0', mindex: 0, type: 'audio', fec: 'yes' }],
    [{ mid: '0', mindex: 0, type: 'video', playoutdelay_ext_id: 1e9 }],
    Array.from({ length: 17 }, (_, i) => ({ mid: String(i), mindex: i, type: 'audio' })),
  ]) {
    assert.throws(
      () => checkedStreams(bad),
      (err: unknown) => err instanceof RemoteStreamError && err.wire.code === 'invalid_format',
    );
  }
});
