import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { test } from 'node:test';
import { ProtocolError } from '@spreed-ts/protocol';
import { decodeBusMessage } from './codec.js';

/** FUZZ_SEED reproduces a run; the default keeps CI deterministic. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_208);
const ITERATIONS = 5000;

/** mulberry32, as the testkit's Prng (the server package cannot depend on the testkit). */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { int, pick: <T>(items: readonly T[]) => items[int(items.length)] as T };
}

/** Values planted into the proxy-location fields: wrong types, huge, deep, odd strings. */
function hostile(rng: ReturnType<typeof prng>): unknown {
  switch (rng.int(9)) {
    case 0:
      return rng.pick([null, true, 0, -1, 1.5, 2 ** 63, 1e308, [], {}, ['x']]);
    case 1:
      return rng.pick(['', ' ', '\u0000', '\ud800', '__proto__', '../..', 'not an ip', '::1']);
    case 2:
      return 'x'.repeat(rng.pick([511, 512, 513, 2047, 2048, 2049, 8191, 8192, 8193, 100_000]));
    case 3:
      return rng.pick(['127.0.0.1', '::ffff:127.0.0.1', '300.1.1.1', 'fe80::1%eth0', '1.2.3']);
    case 4: {
      let deep: unknown = 1;
      for (let i = rng.int(200); i > 0; i--) {
        deep = [deep];
      }
      return deep;
    }
    case 5:
      return rng.pick(['ws://127.0.0.1:8188', 'https://proxy.example/', 'javascript:1']);
    case 6:
      return rng.pick([4_503_599_627_370_495, Number.MAX_SAFE_INTEGER + 2, -0, 3]);
    default:
      return undefined;
  }
}

const SEEDS: Record<string, unknown>[] = [
  {
    type: 'publisher-lookup-reply',
    publisher: {
      sfu: 'https://proxy.example/',
      room: 0,
      feed: 0,
      proxyclient: '13f4d4f8-b9d4-466b-a98e-30839831fe85',
      ip: '127.0.0.1',
      token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
    },
  },
  { type: 'publisher-lookup-reply', publisher: { sfu: 'ws://127.0.0.1:8188', room: 1, feed: 2 } },
  { type: 'publisher-closed', sessionid: 's', streamtype: 'video', room: 0, proxyclient: 'c1' },
  { type: 'proxy-open', proxy: 'p', frame: '{}', address: '10.0.0.1', useragent: 'ua' },
  { type: 'proxy-frame', proxy: 'p', text: '{"type":"bye"}' },
  { type: 'proxy-close', proxy: 'p' },
];

const FIELDS = ['sfu', 'room', 'feed', 'proxyclient', 'ip', 'token', 'publisher'];

test('bus codec fuzz - proxy locations: bounded typed fields or a short ProtocolError', () => {
  const rng = prng(SEED);
  const encoder = new TextEncoder();
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const message = structuredClone(rng.pick(SEEDS));
    const target =
      message.publisher !== undefined && rng.int(4) > 0
        ? (message.publisher as Record<string, unknown>)
        : message;
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const key = rng.pick([...FIELDS, ...Object.keys(target), 'type']);
      const value = hostile(rng);
      if (value === undefined) {
        delete target[key];
      } else {
        target[key] = value;
      }
    }
    const text = JSON.stringify({ v: 1, from: 'server-b', ...message });
    let decoded: ReturnType<typeof decodeBusMessage>;
    try {
      decoded = decodeBusMessage(encoder.encode(text));
    } catch (err) {
      const context = `seed ${SEED} iteration ${i}: ${String(err).slice(0, 300)}`;
      assert.ok(err instanceof ProtocolError, context);
      assert.ok(err.message.length < 1000, `error of ${err.message.length} characters: ${context}`);
      refused++;
      continue;
    }
    accepted++;
    const m = decoded.message;
    const context = `seed ${SEED} iteration ${i}: ${text.slice(0, 300)}`;
    if (m.type === 'publisher-lookup-reply' && m.publisher !== undefined) {
      const p = m.publisher;
      assert.ok(typeof p.sfu === 'string' && p.sfu.length <= 2048, context);
      assert.ok(Number.isSafeInteger(p.room) && Number.isSafeInteger(p.feed), context);
      if (p.proxyclient !== undefined) {
        assert.ok(p.proxyclient !== '' && p.proxyclient.length <= 512, context);
      }
      if (p.ip !== undefined) {
        assert.notEqual(isIP(p.ip), 0, context);
      }
      if (p.token !== undefined) {
        assert.ok(p.token.length <= 8192, context);
      }
    } else if (m.type === 'publisher-closed' && m.proxyclient !== undefined) {
      assert.ok(m.proxyclient.length <= 512, context);
    }
  }
  assert.ok(accepted > 200 && refused > 200, JSON.stringify({ accepted, refused }));
});
