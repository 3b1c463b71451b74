import assert from 'node:assert/strict';
import { test } from 'node:test';
import { publisherStreams } from './publisher-streams.js';

const OFFER = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
  'a=mid:1',
  'a=simulcast:send f;h',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=mid:2',
  '',
].join('\r\n');

const ANSWER = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1;stereo=1',
  'm=video 9 UDP/TLS/RTP/SAVPF 98',
  'a=mid:1',
  'a=rtpmap:98 VP9/90000',
  'a=fmtp:98 profile-id=2',
  'a=extmap:12 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
  'a=extmap:13 urn:3gpp:video-orientation',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=mid:2',
  'm=video 0 UDP/TLS/RTP/SAVPF 0',
  '',
].join('\r\n');

test('publisher streams - read from the offer and Janus answer as upstream describes them', () => {
  assert.deepEqual(publisherStreams(OFFER, ANSWER), [
    { mid: '0', mindex: 0, type: 'audio', codec: 'opus', fec: true, stereo: true },
    {
      mid: '1',
      mindex: 1,
      type: 'video',
      codec: 'vp9',
      vp9_profile: '2',
      playoutdelay_ext_id: 12,
      videoorient_ext_id: 13,
      simulcast: true,
    },
    { mid: '2', mindex: 2, type: 'data' },
  ]);
  assert.deepEqual(publisherStreams('', ''), []);
});
