import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameParser, type FrameSink, MAX_EMPTY_FRAGMENTS, unmask } from './frame-parser.js';
import { clientFrame, closePayload } from './test-frames.js';

const MAX = 64 * 1024;

/**
 * Parses `chunks` in order; returns what the sink saw, one string per event. `borrowed`: every
 * chunk is passed in one reused buffer, as a shared read buffer does, and overwritten with junk
 * once the parser returns, so anything it kept without copying shows up as wrong data.
 */
function parse(chunks: Buffer[], max = MAX, borrowed = false): string[] {
  const events: string[] = [];
  const sink: FrameSink = {
    onText: (text, bytes) => events.push(`text ${bytes} ${text}`),
    onBinary: (data) => events.push(`binary ${data.toString('hex')}`),
    onPing: (payload) => events.push(`ping ${payload.toString()}`),
    onPong: (payload) => events.push(`pong ${payload.toString()}`),
    onClose: (code, reason) => events.push(`close ${code ?? '-'} ${reason}`),
    onError: (code) => events.push(`error ${code}`),
  };
  const parser = new FrameParser(sink, max);
  const shared = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)));
  for (const chunk of chunks) {
    if (borrowed) {
      const view = shared.subarray(0, chunk.length);
      chunk.copy(view);
      parser.push(view, true);
      shared.fill(0xa5);
    } else {
      parser.push(chunk);
    }
  }
  return events;
}

/** The error code the frames end with (or undefined). */
function errorOf(...frames: Buffer[]): string | undefined {
  return parse([Buffer.concat(frames)]).find((e) => e.startsWith('error '));
}

const T = 0x1;
const B = 0x2;
const C = 0x0;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

const long = 'ä'.repeat(150); // 300 bytes: 16-bit length
const STREAM = [
  clientFrame(T, '{"type":"hello"}'),
  clientFrame(T, long),
  clientFrame(PING, 'p1'),
  clientFrame(B, Buffer.from([1, 2, 3])),
  clientFrame(T, 'frag-', { fin: false }),
  clientFrame(PING, 'p2'),
  clientFrame(C, 'ment', { fin: false }),
  clientFrame(PONG, 'p3'),
  clientFrame(C, 'ed ✓'),
  clientFrame(T, ''),
  clientFrame(T, 'x', { lengthBits: 64 }),
  clientFrame(CLOSE, closePayload(1000, 'bye')),
];
const EXPECTED = [
  'text 16 {"type":"hello"}',
  `text 300 ${long}`,
  'ping p1',
  'binary 010203',
  'ping p2',
  'pong p3',
  'text 15 frag-mented ✓',
  'text 0 ',
  'text 1 x',
  'close 1000 bye',
];

test('parser - a stream of frames in one chunk', () => {
  assert.deepEqual(parse([Buffer.concat(STREAM)]), EXPECTED);
});

test('parser - the same stream split at every byte, and byte by byte', () => {
  const whole = Buffer.concat(STREAM);
  for (let at = 0; at <= whole.length; at++) {
    // Payloads are unmasked in place: every run gets fresh copies.
    const copy = Buffer.from(whole);
    assert.deepEqual(parse([copy.subarray(0, at), copy.subarray(at)]), EXPECTED, `split at ${at}`);
  }
  const bytes = Buffer.from(whole);
  const single = [...bytes].map((_, i) => bytes.subarray(i, i + 1));
  assert.deepEqual(parse(single), EXPECTED);
});

test('parser - borrowed chunks: the stream split at every byte, byte by byte, in three parts', () => {
  const whole = Buffer.concat(STREAM);
  for (let at = 0; at <= whole.length; at++) {
    const chunks = [whole.subarray(0, at), whole.subarray(at)];
    assert.deepEqual(parse(chunks, MAX, true), EXPECTED, `split at ${at}`);
  }
  const single = [...whole].map((_, i) => whole.subarray(i, i + 1));
  assert.deepEqual(parse(single, MAX, true), EXPECTED);
  for (let a = 0; a <= whole.length; a += 7) {
    for (let b = a; b <= whole.length; b += 5) {
      const chunks = [whole.subarray(0, a), whole.subarray(a, b), whole.subarray(b)];
      assert.deepEqual(parse(chunks, MAX, true), EXPECTED, `split at ${a}, ${b}`);
    }
  }
});

test('parser - every split into three parts of a small stream', () => {
  const whole = Buffer.concat([
    clientFrame(T, 'ab', { fin: false }),
    clientFrame(PING, 'x'),
    clientFrame(C, 'cü'),
    clientFrame(T, 'z'.repeat(130)),
  ]);
  const expected = ['ping x', 'text 5 abcü', `text 130 ${'z'.repeat(130)}`];
  for (let a = 0; a <= whole.length; a++) {
    for (let b = a; b <= whole.length; b++) {
      const copy = Buffer.from(whole);
      const chunks = [copy.subarray(0, a), copy.subarray(a, b), copy.subarray(b)];
      assert.deepEqual(parse(chunks), expected, `split at ${a}, ${b}`);
    }
  }
});

test('parser - nothing is parsed after a close frame', () => {
  const events = parse([
    Buffer.concat([clientFrame(CLOSE), clientFrame(T, 'late')]),
    clientFrame(T, 'later'),
  ]);
  assert.deepEqual(events, ['close - ']);
});

test('parser - protocol violations close with 1002', () => {
  assert.equal(errorOf(clientFrame(T, 'x', { masked: false })), 'error 1002');
  for (const rsv of [0x40, 0x20, 0x10]) {
    assert.equal(errorOf(clientFrame(T, 'x', { rsv })), 'error 1002', `rsv ${rsv}`);
  }
  for (const opcode of [0x3, 0x7, 0xb, 0xf]) {
    assert.equal(errorOf(clientFrame(opcode, 'x')), 'error 1002', `opcode ${opcode}`);
  }
  // Control frames: not fragmented, at most 125 bytes.
  assert.equal(errorOf(clientFrame(PING, 'x', { fin: false })), 'error 1002');
  assert.equal(errorOf(clientFrame(PING, 'x'.repeat(126))), 'error 1002');
  assert.equal(errorOf(clientFrame(CLOSE, closePayload(1000, 'x'.repeat(124)))), 'error 1002');
  // Continuation rules.
  assert.equal(errorOf(clientFrame(C, 'x')), 'error 1002');
  assert.equal(errorOf(clientFrame(T, 'a', { fin: false }), clientFrame(T, 'b')), 'error 1002');
  assert.equal(errorOf(clientFrame(B, 'a', { fin: false }), clientFrame(B, 'b')), 'error 1002');
});

test('parser - the first violation ends parsing', () => {
  const events = parse([
    Buffer.concat([clientFrame(T, 'ok'), clientFrame(T, 'x', { masked: false })]),
    clientFrame(T, 'after'),
  ]);
  assert.deepEqual(events, ['text 2 ok', 'error 1002']);
});

test('parser - text must be UTF-8 (1007), also when a character spans fragments', () => {
  assert.equal(errorOf(clientFrame(T, Buffer.from([0x7b, 0xff, 0x7d]))), 'error 1007');
  assert.equal(errorOf(clientFrame(T, Buffer.from([0xc3])), clientFrame(T, 'x')), 'error 1007');
  const u = Buffer.from('ü');
  assert.deepEqual(
    parse([
      Buffer.concat([
        clientFrame(T, u.subarray(0, 1), { fin: false }),
        clientFrame(C, u.subarray(1)),
      ]),
    ]),
    ['text 2 ü'],
  );
  // Binary messages are not checked.
  assert.deepEqual(parse([clientFrame(B, Buffer.from([0xff]))]), ['binary ff']);
});

test('parser - close frames: codes, reasons and empty ones', () => {
  assert.deepEqual(parse([clientFrame(CLOSE)]), ['close - ']);
  for (const code of [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999]) {
    assert.deepEqual(parse([clientFrame(CLOSE, closePayload(code, 'ok'))]), [`close ${code} ok`]);
  }
  assert.equal(errorOf(clientFrame(CLOSE, Buffer.from([3]))), 'error 1002');
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535]) {
    assert.equal(errorOf(clientFrame(CLOSE, closePayload(code))), 'error 1002', `code ${code}`);
  }
  const badReason = closePayload(1000, Buffer.from([0xe2, 0x82]));
  assert.equal(errorOf(clientFrame(CLOSE, badReason)), 'error 1007');
});

test('parser - 16- and 64-bit lengths, also when longer than needed', () => {
  assert.deepEqual(parse([clientFrame(T, 'abc', { lengthBits: 16 })]), ['text 3 abc']);
  assert.deepEqual(parse([clientFrame(T, 'abc', { lengthBits: 64 })]), ['text 3 abc']);
  const big = 'y'.repeat(70_000 - 1);
  assert.deepEqual(parse([clientFrame(T, big)], 70_000), [`text ${big.length} ${big}`]);
  // A length beyond 4 GiB is refused at once.
  assert.equal(errorOf(clientFrame(T, 'x', { lengthHigh: 1 })), 'error 1009');
});

test('parser - exactly 64 KiB is accepted, one byte more closes with 1009', () => {
  const exact = 'k'.repeat(MAX);
  const events = parse([clientFrame(T, exact)]);
  assert.equal(events.length, 1);
  assert.ok(events[0]?.startsWith(`text ${MAX} kkk`));
  assert.equal(errorOf(clientFrame(T, `${exact}k`)), 'error 1009');
  // Refused when the header arrives, without waiting for the payload.
  const header = clientFrame(T, '', { announcedLength: MAX + 1 });
  assert.deepEqual(parse([header]), ['error 1009']);
  // Also for a fragmented message whose total is too large.
  const half = 'h'.repeat(MAX / 2);
  assert.equal(
    errorOf(
      clientFrame(T, half, { fin: false }),
      clientFrame(C, half, { fin: false }),
      clientFrame(C, 'h'),
    ),
    'error 1009',
  );
  assert.deepEqual(
    parse([Buffer.concat([clientFrame(T, half, { fin: false }), clientFrame(C, half)])]).map((e) =>
      e.slice(0, 12),
    ),
    [`text ${MAX} h`],
  );
});

test('parser - a whole frame in one chunk is handled in place', () => {
  let seen: Buffer | undefined;
  const parser = new FrameParser(
    {
      onText: () => undefined,
      onBinary: (data) => {
        seen = data;
      },
      onPing: () => undefined,
      onPong: () => undefined,
      onClose: () => undefined,
      onError: () => undefined,
    },
    MAX,
  );
  const binary = clientFrame(B, 'in place');
  parser.push(binary);
  assert.equal(seen?.buffer, binary.buffer);
  assert.equal(seen?.toString(), 'in place');
});

test('parser - a message of the largest size in one-byte fragments is accepted', () => {
  // 64 Ki fragments: the size limit, not a fragment count, bounds a fragmented message.
  const text = Buffer.alloc(MAX, 'abcdefgh');
  const frames = [clientFrame(T, text.subarray(0, 1), { fin: false })];
  for (let i = 1; i < MAX - 1; i++) {
    frames.push(clientFrame(C, text.subarray(i, i + 1), { fin: false }));
  }
  frames.push(clientFrame(C, text.subarray(MAX - 1)));
  const whole = Buffer.concat(frames);
  const events = parse([whole]);
  assert.equal(events.length, 1);
  assert.equal(events[0], `text ${MAX} ${text.toString()}`);
  // One more byte, also in a fragment of its own, closes with 1009.
  frames[frames.length - 1] = clientFrame(C, text.subarray(MAX - 1), { fin: false });
  frames.push(clientFrame(C, 'x'));
  assert.equal(errorOf(...frames), 'error 1009');
});

test('parser - fragments of every size and in every chunking give the same message', () => {
  const text = Buffer.from('Grüße ✓ '.repeat(3000)); // about 36 KiB, multi-byte characters
  const sizes = [1, 7, 126, 4095, 4096, 4097, 20_000];
  for (const size of sizes) {
    const frames: Buffer[] = [];
    for (let at = 0; at < text.length; at += size) {
      const end = Math.min(text.length, at + size);
      frames.push(
        clientFrame(at === 0 ? T : C, text.subarray(at, end), { fin: end === text.length }),
      );
    }
    const whole = Buffer.concat(frames);
    const expected = [`text ${text.length} ${text.toString()}`];
    assert.deepEqual(parse([Buffer.from(whole)]), expected, `fragments of ${size}`);
    // In chunks of 1000 bytes, so that frames are split over chunks too.
    const copy = Buffer.from(whole);
    const chunks: Buffer[] = [];
    for (let at = 0; at < copy.length; at += 1000) {
      chunks.push(copy.subarray(at, at + 1000));
    }
    assert.deepEqual(parse(chunks), expected, `fragments of ${size}, chunks of 1000`);
    const borrowed: Buffer[] = [];
    for (let at = 0; at < whole.length; at += 1000) {
      borrowed.push(whole.subarray(at, at + 1000));
    }
    assert.deepEqual(parse(borrowed, MAX, true), expected, `fragments of ${size}, borrowed`);
  }
});

test('parser - more than 1024 empty fragments close with 1009', () => {
  const frames = [clientFrame(T, '', { fin: false })];
  for (let i = 0; i < MAX_EMPTY_FRAGMENTS - 1; i++) {
    frames.push(clientFrame(C, 'x', { fin: false }));
    frames.push(clientFrame(C, '', { fin: false }));
  }
  // The largest number of empty fragments allowed (the first frame included) still makes a
  // message, however many non-empty ones come between them.
  const nonEmpty = MAX_EMPTY_FRAGMENTS - 1;
  const events = parse([Buffer.concat([...frames, clientFrame(C, 'b')])]);
  assert.deepEqual(events, [`text ${nonEmpty + 1} ${'x'.repeat(nonEmpty)}b`]);
  assert.equal(errorOf(...frames, clientFrame(C, '', { fin: false })), 'error 1009');
  // The count is per message.
  const twice = Buffer.concat([...frames, clientFrame(C, 'b'), ...frames, clientFrame(C, 'c')]);
  assert.deepEqual(
    parse([twice]).map((e) => e.slice(-1)),
    ['b', 'c'],
  );
});

test('unmask - agrees with the plain XOR for every length, alignment and mask', () => {
  const backing = Buffer.alloc(600);
  for (let length = 0; length <= 67; length++) {
    for (let offset = 0; offset < 8; offset++) {
      for (let at = 0; at < 3; at++) {
        const mask = Buffer.from([0, 0, 0x12, 0x34, 0xab, 0xcd, 0xef, 0x01]);
        const payload = backing.subarray(offset, offset + length);
        for (let i = 0; i < length; i++) {
          payload[i] = (i * 37 + offset) & 0xff;
        }
        const expected = Buffer.from(payload.map((b, i) => b ^ (mask[at + (i & 3)] as number)));
        unmask(payload, mask, at);
        assert.deepEqual(payload, expected, `length ${length}, offset ${offset}, mask at ${at}`);
      }
    }
  }
});
