import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BodyTooLargeError,
  HttpParseError,
  MAX_HEAD_BYTES,
  ResponseParser,
} from './response-parser.js';

interface Parsed {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  keepAlive: boolean;
  keepAliveTimeoutMs: number;
  /** Bytes after the response. */
  rest: string;
}

/** Feeds `parts` to a parser; EOF after them when `eof`. */
function parse(
  parts: Buffer[],
  options: { eof?: boolean; max?: number; noBody?: boolean } = {},
): Parsed | undefined {
  const parser = new ResponseParser(options.max ?? 1 << 20, options.noBody ?? false);
  let rest = '';
  let done = false;
  for (const part of parts) {
    if (done) {
      rest += part.toString('latin1');
      continue;
    }
    const end = parser.push(part);
    if (end !== -1) {
      done = true;
      rest += part.subarray(end).toString('latin1');
    }
  }
  if (!done && options.eof) {
    done = parser.finish();
  }
  if (!done) {
    return undefined;
  }
  return {
    status: parser.status,
    headers: { ...parser.headers },
    body: parser.body.toString('latin1'),
    keepAlive: parser.keepAlive,
    keepAliveTimeoutMs: parser.keepAliveTimeoutMs,
    rest,
  };
}

/** Every way to cut `raw` in two, every byte on its own, and in one piece give the same result. */
function parseAllSplits(raw: string, options: { eof?: boolean; max?: number } = {}): Parsed {
  const bytes = Buffer.from(raw, 'latin1');
  const whole = parse([bytes], options);
  assert.ok(whole, 'the response is complete');
  for (let cut = 0; cut <= bytes.length; cut += 1) {
    const split = parse([bytes.subarray(0, cut), bytes.subarray(cut)], options);
    assert.deepEqual(split, whole, `split at ${cut}`);
  }
  const single = parse(
    Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)),
    options,
  );
  assert.deepEqual(single, whole, 'byte by byte');
  return whole;
}

/** Throws what the parser throws for `raw`, in one piece and byte by byte. */
function parseError(raw: string, options: { eof?: boolean; max?: number } = {}): Error {
  const bytes = Buffer.from(raw, 'latin1');
  let first: Error | undefined;
  for (const parts of [[bytes], Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))]) {
    try {
      const result = parse(parts, options);
      assert.fail(`no error, got ${JSON.stringify(result)}`);
    } catch (err) {
      if (err instanceof assert.AssertionError) {
        throw err;
      }
      assert.ok(err instanceof Error);
      first ??= err;
      assert.equal(err.constructor, first.constructor);
    }
  }
  return first!;
}

test('response parser - Content-Length body split at every byte offset', () => {
  const result = parseAllSplits(
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n' +
      'Cache-Control: max-age=10\r\nX-Multi: a\r\nx-multi: b\r\nSet-Cookie: a=1\r\n' +
      'Set-Cookie: b=2\r\nETag:   "v1"  \r\nKeep-Alive: timeout=5, max=100\r\n\r\n{"ok":"yes"}\n',
  );
  assert.equal(result.status, 200);
  assert.equal(result.body, '{"ok":"yes"}\n');
  assert.deepEqual(result.headers, {
    'content-type': 'application/json',
    'content-length': '13',
    'cache-control': 'max-age=10',
    'x-multi': 'a, b',
    'set-cookie': ['a=1', 'b=2'],
    etag: '"v1"',
    'keep-alive': 'timeout=5, max=100',
  });
  assert.equal(result.keepAlive, true);
  assert.equal(result.keepAliveTimeoutMs, 5000);
  assert.equal(result.rest, '');
});

test('response parser - chunked body with extensions and trailers, split at every byte offset', () => {
  const result = parseAllSplits(
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value\r\nhello\r\n1 ; x="y"\r\n,\r\nA\r\n0123456789\r\n0\r\n' +
      'X-Trailer: 1\r\nOther: 2\r\n\r\n',
  );
  assert.equal(result.body, 'hello,0123456789');
  assert.equal(result.keepAlive, true);
  assert.equal(result.rest, '');
});

test('response parser - interim 1xx responses are skipped', () => {
  const result = parseAllSplits(
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' +
      'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
  );
  assert.equal(result.status, 201);
  assert.deepEqual(result.headers, { 'content-length': '2' });
  assert.equal(result.body, 'ok');
});

test('response parser - close-delimited body ends at EOF and ends keep-alive', () => {
  const result = parseAllSplits('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it', {
    eof: true,
  });
  assert.equal(result.body, 'all of it');
  assert.equal(result.keepAlive, false);
  // Without EOF it is not complete.
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\r\n\r\nabc')]), undefined);
  // A Content-Length body cut short by EOF is not complete either.
  assert.equal(
    parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc')], { eof: true }),
    undefined,
  );
});

test('response parser - 204, 304 and responses to HEAD have no body', () => {
  for (const status of ['204 No Content', '304 Not Modified']) {
    const result = parseAllSplits(`HTTP/1.1 ${status}\r\nContent-Length: 10\r\n\r\nNEXT`);
    assert.equal(result.body, '');
    assert.equal(result.rest, 'NEXT');
  }
  const head = parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n')], {
    noBody: true,
  });
  assert.equal(head?.body, '');
});

test('response parser - bare LF line endings, no reason phrase, trailing bytes reported', () => {
  const result = parseAllSplits('HTTP/1.1 200\nContent-Length: 3\n\nabcEXTRA');
  assert.equal(result.status, 200);
  assert.equal(result.body, 'abc');
  assert.equal(result.rest, 'EXTRA');
  const folded = parseAllSplits('HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nContent-Length: 0\r\n\r\n');
  assert.equal(folded.headers['x-long'], 'a b');
});

test('response parser - Connection: close, HTTP/1.0 and Transfer-Encoding with Content-Length end keep-alive', () => {
  assert.equal(
    parseAllSplits('HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n').keepAlive,
    false,
  );
  assert.equal(
    parseAllSplits('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n')
      .keepAlive,
    true,
  );
  assert.equal(
    parseAllSplits('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n')
      .keepAlive,
    false,
  );
  const both = parseAllSplits(
    'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  );
  assert.equal(both.body, 'ok');
  assert.equal(both.keepAlive, false);
  assert.equal(
    parseAllSplits('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok').body,
    'ok',
  );
});

test('response parser - malformed status lines are rejected', () => {
  for (const line of [
    'HTTP/1.1 OK',
    'HTTP/2.0 200 OK',
    'HTTP/1.1 20 OK',
    'HTTP/1.1 2000 OK',
    'HTTP/1.1 099 Low',
    'http/1.1 200 OK',
    'ICY 200 OK',
    'HTTP/1.1  200 OK',
    'garbage',
  ]) {
    const err = parseError(`${line}\r\nContent-Length: 0\r\n\r\n`);
    assert.ok(err instanceof HttpParseError, line);
    assert.match(err.message, /status line/);
  }
});

test('response parser - invalid headers, chunk sizes and lengths are rejected', () => {
  const cases: [string, RegExp][] = [
    ['HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n', /header line/],
    ['HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', /header line/],
    ['HTTP/1.1 200 OK\r\n: empty\r\n\r\n', /header line/],
    ['HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n', /invalid character/],
    ['HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n', /invalid character/],
    ['HTTP/1.1 200 OK\r\n  folded first\r\n\r\n', /continuation/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n 6\r\n\r\n', /continuation/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', /conflicting/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n', /conflicting/],
    ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /Content-Length/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n', /Content-Length/],
    ['HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n', /Content-Length/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n', /chunk size/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', /chunk size/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n', /chunk size/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /CRLF/],
    ['HTTP/1.1 101 Switching Protocols\r\n\r\n', /101/],
  ];
  for (const [raw, message] of cases) {
    const err = parseError(raw);
    assert.ok(err instanceof HttpParseError, JSON.stringify(raw));
    assert.match(err.message, message, JSON.stringify(raw));
  }
});

test('response parser - the head is capped at 64 KiB', () => {
  const big = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`;
  const parser = new ResponseParser(1024);
  assert.throws(() => parser.push(Buffer.from(big)), /headers larger than/);
  // Arriving in small pieces, without an end in sight.
  const slow = new ResponseParser(1024);
  const piece = Buffer.from(`X-Filler: ${'b'.repeat(1000)}\r\n`);
  slow.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
  assert.throws(() => {
    for (let i = 0; i < 100; i += 1) {
      slow.push(piece);
    }
  }, HttpParseError);
  // Just below the cap is fine.
  const fits = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES - 100)}\r\nContent-Length: 0\r\n\r\n`;
  assert.equal(new ResponseParser(1024).push(Buffer.from(fits)), fits.length);
  // Trailers have the same cap.
  const trailers = new ResponseParser(1024);
  trailers.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n'));
  assert.throws(() => {
    for (let i = 0; i < 100; i += 1) {
      trailers.push(piece);
    }
  }, /trailers too large/);
});

test('response parser - bodies over the limit are rejected however they are framed', () => {
  assert.ok(
    parseError('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n', { max: 10 }) instanceof
      BodyTooLargeError,
  );
  assert.ok(
    parseError('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n', {
      max: 10,
    }) instanceof BodyTooLargeError,
  );
  assert.ok(
    parseError(`HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(11)}`, { max: 10, eof: true }) instanceof
      BodyTooLargeError,
  );
  // Exactly the limit is fine.
  assert.equal(
    parseAllSplits('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789', { max: 10 }).body,
    '0123456789',
  );
});
