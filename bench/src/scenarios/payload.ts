import { nowMicros } from '../client/bench-client.js';

/**
 * What relayed messages carry. `candidate` and `offer` look like what Talk's web client sends
 * through the signaling server (`to`, `from`, `type`, `payload`, `roomType`, `sid`): an ICE
 * candidate (~330 bytes of data) and an offer with a ~4 KB SDP. `padding` is the older synthetic
 * `{"p":"xxx…"}` of a given size. Every payload ends with `"t":<µs>`, the send time, as its last
 * key so receivers find it by searching the frame from its end (see `readStamp`).
 */
export type PayloadShape = 'candidate' | 'offer' | { padding: number };

const SID = '1733510000123';
const FROM = 'xY3kQ9sZ0f8bLw2vNcR1tUe5aHjM4pGd6oIq7WnKy+AbCdEfGhIjKlMnOpQrStUvWxYz0123456789=';

const CANDIDATE =
  'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sXQa network-id 1 network-cost 10';

/** An SDP offer as Chromium makes one for audio + video (bundled, ~4 KB). */
function offerSdp(): string {
  const lines = [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS 5c3b0f1e-3c1d-4f5e-8a2b-9d7e6f5a4b3c',
  ];
  const media = (kind: 'audio' | 'video', mid: number, codecs: string[]) => [
    `m=${kind} 9 UDP/TLS/RTP/SAVPF ${codecs.map((_, i) => 96 + i).join(' ')}`,
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:sXQa',
    'a=ice-pwd:8Jk2lM3nB4vC5xZ6aS7dF8gH',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF',
    'a=setup:actpass',
    `a=mid:${mid}`,
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=sendrecv',
    `a=msid:5c3b0f1e-3c1d-4f5e-8a2b-9d7e6f5a4b3c ${kind}-track-${mid}`,
    'a=rtcp-mux',
    ...codecs.flatMap((codec, i) => [
      `a=rtpmap:${96 + i} ${codec}`,
      `a=rtcp-fb:${96 + i} goog-remb`,
      `a=rtcp-fb:${96 + i} transport-cc`,
      `a=fmtp:${96 + i} minptime=10;useinbandfec=1`,
    ]),
    `a=ssrc:${1_000_000 + mid} cname:Yx2Qb3Rc4Sd5Te6U`,
    `a=ssrc:${1_000_000 + mid} msid:5c3b0f1e-3c1d-4f5e-8a2b-9d7e6f5a4b3c ${kind}-track-${mid}`,
  ];
  lines.push(...media('audio', 0, ['opus/48000/2', 'red/48000/2', 'G722/8000', 'PCMU/8000']));
  lines.push(
    ...media('video', 1, [
      'VP8/90000',
      'rtx/90000',
      'VP9/90000',
      'rtx/90000',
      'H264/90000',
      'AV1/90000',
    ]),
  );
  return `${lines.join('\r\n')}\r\n`;
}

let offerJson: string | undefined;

/** The data of one message up to (not including) the stamp value. */
function dataPrefix(shape: PayloadShape, to: string): string {
  if (shape === 'candidate') {
    return `{"to":${JSON.stringify(to)},"from":"${FROM}","type":"candidate","payload":{"candidate":{"candidate":"${CANDIDATE}","sdpMid":"0","sdpMLineIndex":0}},"roomType":"video","sid":"${SID}","t":`;
  }
  if (shape === 'offer') {
    offerJson ??= JSON.stringify(offerSdp());
    return `{"to":${JSON.stringify(to)},"from":"${FROM}","type":"offer","payload":{"type":"offer","sdp":${offerJson},"nick":"Alice"},"roomType":"video","sid":"${SID}","t":`;
  }
  // `{"p":"","t":` + a 9-digit stamp (µs since the bench started, < 1000 s) + `}` is 22 bytes.
  return `{"p":"${'x'.repeat(Math.max(0, shape.padding - 22))}","t":`;
}

/** One payload stamped now. */
export function dataPayload(shape: PayloadShape, to = ''): string {
  return `${dataPrefix(shape, to)}${nowMicros()}}`;
}

/**
 * Everything of a `message` frame up to the stamp, so sending costs one concatenation:
 * `prefix + nowMicros() + MESSAGE_SUFFIX`.
 */
export function messagePrefix(recipient: Record<string, string>, shape: PayloadShape): string {
  const to = recipient.sessionid ?? '';
  return `{"type":"message","message":{"recipient":${JSON.stringify(recipient)},"data":${dataPrefix(shape, to)}`;
}

export const MESSAGE_SUFFIX = '}}}';

/** A short label for reports. */
export function shapeLabel(shape: PayloadShape): string {
  return typeof shape === 'string'
    ? `${shape} (${dataPayload(shape, 'x'.repeat(40)).length} B data)`
    : `${shape.padding} B padding`;
}

/** Message prefixes of sessions paired 0↔1, 2↔3, …: each sends to its partner. */
export function pairPrefixes(
  clients: readonly { readonly sessionId: string }[],
  shape: PayloadShape,
): string[] {
  return clients.map((_, i) =>
    messagePrefix({ type: 'session', sessionid: clients[i ^ 1]?.sessionId ?? '' }, shape),
  );
}
