import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignalingError } from '@spreed-ts/protocol';
import { IpList } from '../transport/real-ip.js';
import { fakeSdp } from './janus/fake-janus.js';
import { checkMcuData, decodeMcuData, parseStreamSelection } from './mcu-data.js';
import { filterSdpCandidates, isCandidateFiltered, parseCandidate, parseSdp } from './sdp.js';

function wireError(raw: Record<string, unknown>) {
  const data = decodeMcuData(raw);
  assert.ok(data, 'decodes');
  try {
    checkMcuData(data);
  } catch (err) {
    assert.ok(err instanceof SignalingError);
    return err.toWire();
  }
  return undefined;
}

test('mcu data - only objects with string fields and an unsigned bitrate are MCU data', () => {
  assert.equal(decodeMcuData('hi'), undefined);
  assert.equal(decodeMcuData([1]), undefined);
  assert.equal(decodeMcuData({ type: 1 }), undefined);
  assert.equal(decodeMcuData({ type: 'offer', sid: 5 }), undefined);
  assert.equal(decodeMcuData({ type: 'offer', payload: 'x' }), undefined);
  assert.equal(decodeMcuData({ type: 'offer', bitrate: -1 }), undefined);
  assert.equal(decodeMcuData({ type: 'offer', bitrate: 1.5 }), undefined);
  assert.deepEqual(decodeMcuData({ type: 'x', sid: null, extra: [1] }), {
    type: 'x',
    sid: '',
    roomType: '',
    payload: undefined,
    bitrate: 0,
    audiocodec: '',
    videocodec: '',
    vp9profile: '',
    h264profile: '',
  });
});

test('mcu data - validation errors are upstream codes and texts', () => {
  assert.deepEqual(wireError({ data: 1 }), {
    code: 'invalid_format',
    message: 'Invalid data format.',
    details: { reason: 'type missing' },
  });
  assert.equal(wireError({ type: 'offer', roomType: 'desk' })?.code, 'invalid_format');
  assert.deepEqual(wireError({ type: 'offer' }), {
    code: 'invalid_sdp',
    message: 'Payload does not contain a valid SDP.',
  });
  assert.deepEqual(
    wireError({ type: 'answer', payload: { sdp: 'nonsense' } })?.message,
    'Error parsing SDP from payload.',
  );
  const badCandidate = `${fakeSdp('x')}a=candidate:1 1 udp 1 127.0.0.1 nope typ host\r\n`;
  const error = wireError({ type: 'offer', payload: { sdp: badCandidate } });
  assert.equal(error?.code, 'invalid_sdp');
  assert.equal(error?.message, 'Error parsing candidate from media description.');
  assert.deepEqual(
    { ...(error?.details as object), error: undefined },
    { media: 'audio', idx: 2, error: undefined },
  );
  assert.deepEqual(wireError({ type: 'candidate', payload: {} }), {
    code: 'no_candidate',
    message: 'Payload does not contain a candidate.',
  });
  assert.deepEqual(wireError({ type: 'candidate', payload: { candidate: 'x' } }), {
    code: 'invalid_candidate',
    message: 'Payload does not contain a valid candidate.',
  });
  assert.equal(
    wireError({ type: 'candidate', payload: { candidate: { candidate: 'candidate:1 2' } } })
      ?.message,
    'Error parsing candidate from payload.',
  );
  assert.equal(
    wireError({ type: 'candidate', payload: { candidate: { candidate: '' } } }),
    undefined,
  );
  assert.equal(wireError({ type: 'nickChanged', roomType: 'video' }), undefined);
});

test('sdp - structure is checked; media kinds are reported', () => {
  assert.deepEqual(parseSdp(fakeSdp('x')).media, ['audio']);
  assert.throws(() => parseSdp(''));
  assert.throws(() => parseSdp('v=0\r\ns=x\r\n'), /expected o=/);
  assert.throws(
    () => parseSdp('v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nm=audio 9 RTP 0\r\n'),
    /m= before t=/,
  );
  assert.throws(() => parseSdp(`${fakeSdp('x')}garbage\r\n`), /invalid syntax/);
  assert.throws(() => parseSdp(`${fakeSdp('x')}m=video x RTP 96\r\n`), /invalid media line/);
});

test('candidates - parsing, filtering and SDP filtering follow upstream', () => {
  const c = parseCandidate(
    'candidate:842163049 1 UDP 1677729535 192.0.2.7 46154 typ srflx raddr 0.0.0.0 rport 0',
  );
  assert.equal(c.address, '192.0.2.7');
  assert.equal(c.type, 'srflx');
  assert.throws(() => parseCandidate('candidate:1 1 udp 1 1.2.3.4 5 typ weird'));
  const none = { allowed: undefined, blocked: undefined };
  assert.equal(isCandidateFiltered('end', none), false);
  assert.equal(isCandidateFiltered(parseCandidate('1 1 udp 1 abc.local 5 typ host'), none), true);
  assert.equal(isCandidateFiltered(parseCandidate('1 1 udp 1 0.0.0.0 5 typ host'), none), true);
  const filter = { allowed: new IpList(['10.1.0.0/16']), blocked: new IpList(['10.0.0.0/8']) };
  assert.equal(isCandidateFiltered(parseCandidate('1 1 udp 1 10.1.2.3 5 typ host'), filter), false);
  assert.equal(isCandidateFiltered(parseCandidate('1 1 udp 1 10.2.2.3 5 typ host'), filter), true);
  assert.equal(
    isCandidateFiltered(parseCandidate('1 1 udp 1 127.0.0.1 5 typ host'), filter),
    false,
  );
  const sdp = `${fakeSdp('x')}a=candidate:1 1 udp 1 10.2.2.3 5 typ host\r\na=candidate:2 1 udp 1 10.1.2.3 5 typ host\r\n`;
  const filtered = filterSdpCandidates(sdp, filter) as string;
  assert.ok(!filtered.includes('10.2.2.3'));
  assert.ok(filtered.includes('10.1.2.3'));
  assert.equal(filterSdpCandidates(fakeSdp('x'), filter), undefined);
});

test('stream selection - numbers are truncated, flags must be booleans', () => {
  assert.deepEqual(parseStreamSelection(undefined), {});
  assert.deepEqual(parseStreamSelection({ substream: 2.9, temporal: 0, audio: true, other: 1 }), {
    substream: 2,
    temporal: 0,
    audio: true,
  });
  assert.throws(() => parseStreamSelection({ substream: '1' }), /unsupported substream value/);
  assert.throws(() => parseStreamSelection({ video: 1 }), /unsupported video value/);
});
