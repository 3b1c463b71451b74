import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeProxyClientFrame,
  decodeProxyServerFrame,
  MAX_PEER_JSON_DEPTH,
  ProtocolError,
  type ProxyClientMessage,
  type ProxyServerMessage,
} from '@spreed-ts/protocol';
import {
  parseBackendEntry,
  parseKeyFormats,
  parseProxyEntry,
  parseRsaPublicKey,
} from '@spreed-ts/server/etcd';
import {
  mutateText,
  mutateValue,
  Prng,
  plantEverywhere,
  plantHostile,
  randomValue,
} from '../server/helpers/fuzz.js';
import { proxyClientSeeds, proxyServerSeeds } from './helpers/proxy-seeds.js';

/** FUZZ_SEED reproduces a run; the default keeps CI deterministic. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_207);
const ITERATIONS = 4000;
/** Each part stops early on a slow machine (counts are checked to be meaningful). */
const BUDGET_MS = 4_000;
const UUID = '13f4d4f8-b9d4-466b-a98e-30839831fe85';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJzZXJ2ZXIxIn0.c2ln';

/** One fuzzed document: a mutated seed, mutated text, a hostile value planted, or random. */
function fuzzText(rng: Prng, seeds: readonly unknown[]): string {
  const seed = rng.pick(seeds);
  switch (rng.int(6)) {
    case 0:
    case 1:
      return JSON.stringify(mutateValue(rng, mutateValue(rng, seed)));
    case 2:
      return mutateText(rng, JSON.stringify(seed));
    case 3:
      return plantHostile(rng, seed, MAX_PEER_JSON_DEPTH);
    case 4:
      return JSON.stringify(randomValue(rng, 4));
    default:
      return JSON.stringify(seed);
  }
}

const isStr = (v: unknown) => typeof v === 'string';
const isOptStr = (v: unknown) => v === undefined || typeof v === 'string';
const isOptNum = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));
const isOptInt = (v: unknown) => v === undefined || Number.isInteger(v);
const isOptPort = (v: unknown) =>
  v === undefined || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65_535);
const isOptBool = (v: unknown) => v === undefined || typeof v === 'boolean';
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** No member of an accepted message is `undefined` (so it serialises as it was validated). */
const noUndefined = (v: Record<string, unknown>) =>
  Object.values(v).every((value) => value !== undefined);

/** Whether an accepted client frame has the typed shape. */
function clientShapeProblem(m: ProxyClientMessage): string | undefined {
  if (!isOptStr(m.id)) {
    return 'id';
  }
  switch (m.type) {
    case 'hello': {
      const h = m.hello;
      if (h.version !== '1.0') {
        return 'hello.version';
      }
      if (!isOptStr(h.resumeid) || !isOptStr(h.token)) {
        return 'hello strings';
      }
      if (!h.resumeid && !h.token) {
        return 'hello without token or resume id';
      }
      if (h.features !== undefined && !h.features.every(isStr)) {
        return 'hello.features';
      }
      return noUndefined(h as unknown as Record<string, unknown>) ? undefined : 'hello undefined';
    }
    case 'bye':
      return m.bye === undefined || isObj(m.bye) ? undefined : 'bye';
    case 'command': {
      const c = m.command;
      if (!isStr(c.type) || c.type === '') {
        return 'command.type';
      }
      for (const key of [
        'sid',
        'streamType',
        'publisherId',
        'clientId',
        'remoteUrl',
        'remoteToken',
        'hostname',
      ] as const) {
        if (!isOptStr(c[key])) {
          return `command.${key}`;
        }
      }
      if (!isOptNum(c.bitrate) || !isOptInt(c.mediatypes)) {
        return 'command numbers';
      }
      if (!isOptPort(c.port) || !isOptPort(c.rtcpPort)) {
        return 'command ports';
      }
      const s = c.publisherSettings;
      if (s !== undefined) {
        if (!isOptNum(s.bitrate) || !isOptInt(s.mediatypes)) {
          return 'publisherSettings numbers';
        }
        for (const key of ['audiocodec', 'videocodec', 'vp9_profile', 'h264_profile'] as const) {
          if (!isOptStr(s[key])) {
            return `publisherSettings.${key}`;
          }
        }
      }
      if (c.type === 'create-publisher' && !c.streamType) {
        return 'create-publisher streamType';
      }
      if (c.type === 'create-subscriber' && (!c.publisherId || !c.streamType)) {
        return 'create-subscriber fields';
      }
      if (c.type.startsWith('delete-') && !c.clientId) {
        return 'delete clientId';
      }
      return noUndefined(c as unknown as Record<string, unknown>) ? undefined : 'undefined member';
    }
    case 'payload': {
      const p = m.payload;
      if (!isStr(p.type) || p.type === '') {
        return 'payload.type';
      }
      if (!isStr(p.clientId) || p.clientId === '') {
        return 'payload.clientId';
      }
      if (!isOptStr(p.sid)) {
        return 'payload.sid';
      }
      if (p.payload !== undefined && !isObj(p.payload)) {
        return 'payload.payload';
      }
      if (['offer', 'answer', 'candidate'].includes(p.type) && p.payload === undefined) {
        return 'payload body missing';
      }
      return undefined;
    }
    default:
      return `type ${(m as { type: unknown }).type}`;
  }
}

/** Whether an accepted proxy frame has the typed shape. */
function serverShapeProblem(m: ProxyServerMessage): string | undefined {
  if (!isOptStr(m.id)) {
    return 'id';
  }
  switch (m.type) {
    case 'hello': {
      const h = m.hello;
      if (!isStr(h.version) || !isStr(h.sessionid) || h.sessionid === '') {
        return 'hello';
      }
      const s = h.server;
      if (s !== undefined) {
        if (!isStr(s.version) || !isOptStr(s.country)) {
          return 'hello.server';
        }
        if (s.features !== undefined && !s.features.every(isStr)) {
          return 'hello.server.features';
        }
      }
      return undefined;
    }
    case 'error':
      return isStr(m.error.code) && isStr(m.error.message) ? undefined : 'error';
    case 'bye':
      return isStr(m.bye.reason) ? undefined : 'bye.reason';
    case 'command': {
      const c = m.command;
      if (!isOptStr(c.id) || !isOptStr(c.sid) || !isOptNum(c.bitrate)) {
        return 'command';
      }
      for (const s of c.streams ?? []) {
        if (!isStr(s.mid) || !isStr(s.type) || !Number.isInteger(s.mindex)) {
          return 'stream';
        }
        if (![s.disabled, s.stereo, s.fec, s.dtx, s.simulcast, s.svc].every(isOptBool)) {
          return 'stream flags';
        }
        if (!isOptInt(s.videoorient_ext_id) || !isOptInt(s.playoutdelay_ext_id)) {
          return 'stream ext ids';
        }
      }
      return undefined;
    }
    case 'payload': {
      const p = m.payload;
      if (!isStr(p.type) || !isStr(p.clientId)) {
        return 'payload';
      }
      return p.payload === null || isObj(p.payload) ? undefined : 'payload.payload';
    }
    case 'event': {
      const e = m.event;
      if (!isStr(e.type) || e.type === '') {
        return 'event.type';
      }
      if (!isOptStr(e.clientId) || !isOptStr(e.sid) || !isOptNum(e.load)) {
        return 'event fields';
      }
      const b = e.bandwidth;
      if (b !== undefined && ![b.incoming, b.outgoing, b.received, b.sent].every(isOptNum)) {
        return 'event.bandwidth';
      }
      return undefined;
    }
    default:
      return `type ${(m as { type: unknown }).type}`;
  }
}

/**
 * Runs `decode` on fuzzed documents: it returns a message with the typed shape or throws a
 * ProtocolError, nothing else. Returns how many were accepted and refused.
 */
function fuzzDecoder<M>(
  name: string,
  rng: Prng,
  seeds: readonly unknown[],
  decode: (text: string) => M,
  problem: (message: M) => string | undefined,
): { accepted: number; refused: number; done: number } {
  const deadline = Date.now() + BUDGET_MS;
  let accepted = 0;
  let refused = 0;
  let done = 0;
  for (; done < ITERATIONS && Date.now() < deadline; done++) {
    const text = fuzzText(rng, seeds);
    const context = () => `${name}, seed ${SEED}, iteration ${done}: ${text.slice(0, 300)}`;
    let message: M;
    try {
      message = decode(text);
    } catch (err) {
      assert.ok(err instanceof ProtocolError, `${context()} threw ${String(err)}`);
      assert.ok(err.message.length > 0 && err.message.length < 1000, context());
      refused++;
      continue;
    }
    const found = problem(message);
    assert.equal(found, undefined, `${context()} accepted with bad ${found}`);
    accepted++;
  }
  return { accepted, refused, done };
}

test('proxy decode fuzz - client frames: typed shape or ProtocolError, never anything else', (t) => {
  const seeds = proxyClientSeeds(TOKEN, UUID);
  for (const seed of seeds) {
    assert.equal(clientShapeProblem(decodeProxyClientFrame(JSON.stringify(seed))), undefined);
  }
  const result = fuzzDecoder(
    'client',
    new Prng(SEED),
    seeds,
    decodeProxyClientFrame,
    clientShapeProblem,
  );
  t.diagnostic(`seed ${SEED}: ${JSON.stringify(result)}`);
  assert.ok(result.done >= 500, `only ${result.done} iterations`);
  assert.ok(result.accepted > 50 && result.refused > 50, JSON.stringify(result));
});

test('proxy decode fuzz - proxy frames: typed shape or ProtocolError, never anything else', (t) => {
  const seeds = proxyServerSeeds(UUID);
  for (const seed of seeds) {
    assert.equal(serverShapeProblem(decodeProxyServerFrame(JSON.stringify(seed))), undefined);
  }
  const result = fuzzDecoder(
    'server',
    new Prng(SEED + 1),
    seeds,
    decodeProxyServerFrame,
    serverShapeProblem,
  );
  t.diagnostic(`seed ${SEED + 1}: ${JSON.stringify(result)}`);
  assert.ok(result.done >= 500, `only ${result.done} iterations`);
  assert.ok(result.accepted > 50 && result.refused > 50, JSON.stringify(result));
});

test('proxy decode fuzz - nesting past the peer limit is refused anywhere in a frame', () => {
  const deep = `${'['.repeat(MAX_PEER_JSON_DEPTH + 1)}${']'.repeat(MAX_PEER_JSON_DEPTH + 1)}`;
  const veryDeep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
  const cases: [string, (text: string) => unknown, unknown[]][] = [
    ['client', decodeProxyClientFrame, proxyClientSeeds(TOKEN, UUID)],
    ['server', decodeProxyServerFrame, proxyServerSeeds(UUID)],
  ];
  for (const [name, decode, seeds] of cases) {
    for (const seed of seeds) {
      for (const text of [...plantEverywhere(seed, deep), ...plantEverywhere(seed, veryDeep)]) {
        assert.throws(
          () => decode(text),
          (err: unknown) => err instanceof ProtocolError && /deeper than/.test(err.message),
          `${name}: ${text.slice(0, 200)}`,
        );
      }
    }
  }
});

/** Throws only plain Errors with a reason (a TypeError or RangeError would be a bug). */
function fuzzEtcdParser(
  name: string,
  rng: Prng,
  seeds: readonly unknown[],
  parse: (text: string) => unknown,
  check: (value: unknown) => void,
): { accepted: number; refused: number } {
  const deadline = Date.now() + BUDGET_MS / 2;
  let accepted = 0;
  let refused = 0;
  for (let done = 0; done < ITERATIONS / 2 && Date.now() < deadline; done++) {
    const text = fuzzText(rng, seeds);
    let value: unknown;
    try {
      value = parse(text);
    } catch (err) {
      assert.ok(
        err instanceof Error && err.constructor === Error && err.message !== '',
        `${name} iteration ${done} threw ${String(err)} for ${text.slice(0, 300)}`,
      );
      refused++;
      continue;
    }
    check(value);
    accepted++;
  }
  return { accepted, refused };
}

test('proxy decode fuzz - etcd backend, proxy and token key values: a value or a reason', (t) => {
  const rng = new Prng(SEED + 2);
  const backends = fuzzEtcdParser(
    'backend',
    rng,
    [
      { urls: ['https://cloud.example/'], secret: 'abc', sessionlimit: 10 },
      { url: 'https://cloud.example/nc', secret: 'abc', maxstreambitrate: 1, maxscreenbitrate: 2 },
      { urls: ['https://a.example/', 'https://b.example/x/'], secret: 's' },
    ],
    (text) => parseBackendEntry('/backends/one', text),
    (value) => {
      const backend = value as { id?: unknown; secret?: unknown; urls?: unknown };
      assert.equal(typeof backend.secret, 'string');
      assert.notEqual(backend.secret, '');
    },
  );
  const proxies = fuzzEtcdParser(
    'proxy',
    rng,
    [{ address: 'https://proxy.example/' }, { address: 'ws://127.0.0.1:9000', other: 1 }],
    parseProxyEntry,
    (value) => {
      assert.equal(typeof value, 'string');
      const url = new URL(value as string);
      assert.ok(['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol), String(value));
      assert.ok((value as string).endsWith('/'));
    },
  );
  t.diagnostic(`seed ${SEED + 2}: backends ${JSON.stringify(backends)}`);
  t.diagnostic(`proxies ${JSON.stringify(proxies)}`);
  assert.ok(backends.accepted > 10 && backends.refused > 10, JSON.stringify(backends));
  assert.ok(proxies.accepted > 10 && proxies.refused > 10, JSON.stringify(proxies));

  // Nested values in etcd documents are refused before anything else looks at them.
  for (const [seed, parse] of [
    [{ urls: ['https://cloud.example/'], secret: 'abc' }, (s: string) => parseBackendEntry('k', s)],
    [{ address: 'https://proxy.example/' }, parseProxyEntry],
  ] as const) {
    for (const text of plantEverywhere(seed, `${'['.repeat(5_000)}${']'.repeat(5_000)}`)) {
      assert.throws(() => parse(text), /not valid JSON/);
    }
  }

  // Token keys: PEM text mutated, and key formats.
  const pem = `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(64)}\n-----END PUBLIC KEY-----\n`;
  for (let i = 0; i < 300; i++) {
    const text = rng.chance(0.5) ? mutateText(rng, pem) : JSON.stringify(randomValue(rng));
    assert.throws(
      () => parseRsaPublicKey(text),
      (err: unknown) => err instanceof Error && err.constructor === Error,
    );
    const format = mutateText(rng, '/signaling/proxy/tokens/%s/public-key');
    try {
      const formats = parseKeyFormats(format);
      assert.ok(formats.length > 0);
      for (const f of formats) {
        assert.ok(!f.prefix.includes('%') && !f.suffix.includes('%'), format);
      }
    } catch (err) {
      assert.ok(err instanceof Error && /invalid key format/.test(err.message), String(err));
    }
  }
});
