import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NatsProtocolError } from './errors.js';
import { MAX_CONTROL_LINE, MAX_INFO_LINE, NatsParser, PAYLOAD_MARGIN } from './parser.js';

/** Records what the parser reports, as text. Payloads are copied (they are views). */
function recorder(): { parser: NatsParser; seen: string[] } {
  const seen: string[] = [];
  const parser = new NatsParser({
    msg: (subject, sid, reply, payload, headers) =>
      seen.push(
        `MSG ${subject} ${sid} ${reply ?? '-'} ${headers === undefined ? '-' : JSON.stringify(headers.toString())} ${JSON.stringify(payload.toString())}`,
      ),
    info: (info) => seen.push(`INFO ${info.server_id} ${info.version} ${info.max_payload}`),
    ping: () => seen.push('PING'),
    pong: () => seen.push('PONG'),
    ok: () => seen.push('+OK'),
    err: (message) => seen.push(`-ERR ${message}`),
  });
  return { parser, seen };
}

const STREAM = Buffer.from(
  [
    'INFO {"server_id":"S1","version":"2.9.10","max_payload":1048576,"connect_urls":["10.0.0.2:4222"]}\r\n',
    '+OK\r\n',
    'PING\r\n',
    'MSG a.b 1 5\r\nhello\r\n',
    'MSG a.b 22 _INBOX.x 0\r\n\r\n',
    'HMSG h 3 _INBOX.y 12 16\r\nNATS/1.0\r\n\r\nbody\r\n',
    'HMSG h 4 12 12\r\nNATS/1.0\r\n\r\n\r\n',
    'MSG bin 5 4\r\n\r\n\r\n\r\n',
    'PONG\r\n',
    "-ERR 'Authorization Violation'\r\n",
    'msg lower 6 2\r\nok\r\n',
    'MSG\ttabs\t7  2\r\nhi\r\n',
  ].join(''),
);
const EXPECTED = [
  'INFO S1 2.9.10 1048576',
  '+OK',
  'PING',
  'MSG a.b 1 - - "hello"',
  'MSG a.b 22 _INBOX.x - ""',
  'MSG h 3 _INBOX.y "NATS/1.0\\r\\n\\r\\n" "body"',
  'MSG h 4 - "NATS/1.0\\r\\n\\r\\n" ""',
  'MSG bin 5 - - "\\r\\n\\r\\n"',
  'PONG',
  '-ERR Authorization Violation',
  'MSG lower 6 - - "ok"',
  'MSG tabs 7 - - "hi"',
];

test('nats parser - every operation in one read', () => {
  const { parser, seen } = recorder();
  parser.push(STREAM);
  assert.deepEqual(seen, EXPECTED);
});

test('nats parser - the same stream split at every point, and in every pair of splits', () => {
  for (let i = 0; i <= STREAM.length; i++) {
    const { parser, seen } = recorder();
    parser.push(STREAM.subarray(0, i));
    parser.push(STREAM.subarray(i));
    assert.deepEqual(seen, EXPECTED, `split at ${i}`);
  }
  for (let i = 0; i <= STREAM.length; i += 7) {
    for (let j = i; j <= STREAM.length; j += 3) {
      const { parser, seen } = recorder();
      parser.push(STREAM.subarray(0, i));
      parser.push(STREAM.subarray(i, j));
      parser.push(STREAM.subarray(j));
      assert.deepEqual(seen, EXPECTED, `split at ${i} and ${j}`);
    }
  }
});

test('nats parser - one byte at a time', () => {
  const { parser, seen } = recorder();
  for (let i = 0; i < STREAM.length; i++) {
    parser.push(STREAM.subarray(i, i + 1));
  }
  assert.deepEqual(seen, EXPECTED);
});

test('nats parser - payloads are views into the read, no copy unless split', () => {
  const chunk = Buffer.from('MSG s 1 3\r\nabc\r\n');
  let payload: Buffer | undefined;
  const parser = new NatsParser({
    msg: (_s, _sid, _r, data) => {
      payload = data;
    },
    info: () => undefined,
    ping: () => undefined,
    pong: () => undefined,
    ok: () => undefined,
    err: () => undefined,
  });
  parser.push(chunk);
  assert.equal(payload?.buffer, chunk.buffer);
  assert.equal(payload?.toString(), 'abc');
});

const bad: Array<[string, string | Buffer]> = [
  ['unknown op', 'FOO bar\r\n'],
  ['MSG with too few arguments', 'MSG a 5\r\n'],
  ['MSG with too many arguments', 'MSG a 1 b c 5\r\n'],
  ['MSG with a bad size', 'MSG a 1 five\r\n'],
  ['MSG with a negative size', 'MSG a 1 -5\r\n'],
  ['MSG with a bad sid', 'MSG a x 5\r\n'],
  ['payload without CRLF', 'MSG a 1 3\r\nabcdef\r\n'],
  ['HMSG headers larger than total', 'HMSG a 1 9 3\r\n'],
  ['INFO that is not JSON', 'INFO {oops\r\n'],
  ['INFO that is not an object', 'INFO [1]\r\n'],
  ['INFO with a bad max_payload', 'INFO {"max_payload":"big"}\r\n'],
  ['PING with arguments', 'PING now\r\n'],
  ['binary garbage', Buffer.from([0, 1, 2, 0xff, 0x0a])],
];
for (const [name, input] of bad) {
  test(`nats parser - rejects ${name}`, () => {
    const { parser } = recorder();
    assert.throws(() => parser.push(Buffer.from(input)), NatsProtocolError);
  });
}

test('nats parser - control lines are bounded, also when they trickle in', () => {
  const long = `MSG ${'a'.repeat(MAX_CONTROL_LINE)} 1 1\r\n`;
  assert.throws(() => recorder().parser.push(Buffer.from(long)), NatsProtocolError);
  const { parser } = recorder();
  assert.throws(() => {
    for (let i = 0; i < MAX_CONTROL_LINE + 10; i++) {
      parser.push(Buffer.from('x'));
    }
  }, /control line longer/);
  // An INFO may be longer, up to its own bound.
  const info = `INFO {"server_id":"${'s'.repeat(MAX_CONTROL_LINE * 2)}"}\r\n`;
  const ok = recorder();
  ok.parser.push(Buffer.from(info.slice(0, 10)));
  ok.parser.push(Buffer.from(info.slice(10)));
  assert.equal(ok.seen.length, 1);
  const huge = `INFO {"server_id":"${'s'.repeat(MAX_INFO_LINE)}"}`;
  assert.throws(() => recorder().parser.push(Buffer.from(huge)), /control line longer/);
  assert.throws(() => recorder().parser.push(Buffer.from(`${huge}\r\n`)), /control line longer/);
});

test('nats parser - payloads are bounded by max_payload (plus margin)', () => {
  const { parser, seen } = recorder();
  parser.maxPayload = 100;
  parser.push(Buffer.from(`MSG a 1 ${100 + PAYLOAD_MARGIN}\r\n`));
  assert.throws(
    () => recorder().parser.push(Buffer.from(`MSG a 1 ${1024 * 1024 + PAYLOAD_MARGIN + 1}\r\n`)),
    /exceeds max_payload/,
  );
  const small = recorder();
  small.parser.maxPayload = 100;
  assert.throws(
    () => small.parser.push(Buffer.from(`MSG a 1 ${101 + PAYLOAD_MARGIN}\r\n`)),
    /exceeds max_payload/,
  );
  assert.throws(() => recorder().parser.push(Buffer.from('MSG a 1 99999999999\r\n')), /size/);
  assert.deepEqual(seen, []);
});

test('nats parser - a large payload arriving in many reads', () => {
  const { parser, seen } = recorder();
  const body = 'x'.repeat(200_000);
  const stream = Buffer.from(`MSG big 1 ${body.length}\r\n${body}\r\nPING\r\n`);
  for (let i = 0; i < stream.length; i += 1000) {
    parser.push(stream.subarray(i, i + 1000));
  }
  assert.equal(seen.length, 2);
  assert.equal(seen[0], `MSG big 1 - - ${JSON.stringify(body)}`);
  assert.equal(seen[1], 'PING');
});

test('nats parser - reset() forgets a partial message', () => {
  const { parser, seen } = recorder();
  parser.push(Buffer.from('MSG a 1 10\r\nabc'));
  parser.reset();
  parser.push(Buffer.from('PONG\r\n'));
  assert.deepEqual(seen, ['PONG']);
});
