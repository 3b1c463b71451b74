/**
 * Valid frames of the proxy API in both directions, shaped like those in the recordings of Go 0.4.1
 * (/work/shared/reference/proxy-*.jsonl), for fuzzers to mutate.
 */

const SDP =
  'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
const CANDIDATE = {
  candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host generation 0',
  sdpMLineIndex: 0,
  sdpMid: '0',
};

/** Frames a signaling server sends to a proxy; `clientId` is used where a client id is needed. */
export function proxyClientSeeds(token: string, clientId: string): Record<string, unknown>[] {
  const payload = (type: string, inner?: unknown) => ({
    id: `p-${type}`,
    type: 'payload',
    payload: { type, clientId, ...(inner === undefined ? {} : { payload: inner }) },
  });
  return [
    { id: '1', type: 'hello', hello: { version: '1.0', resumeid: '', token } },
    { id: '1', type: 'hello', hello: { version: '1.0', resumeid: 'x'.repeat(43) } },
    { id: '1', type: 'hello', hello: { version: '1.0', token, features: ['remote-streams'] } },
    {
      id: '2',
      type: 'command',
      command: { type: 'create-publisher', streamType: 'screen', bitrate: 2097152, mediatypes: 4 },
    },
    {
      id: '2',
      type: 'command',
      command: {
        type: 'create-publisher',
        sid: '1234',
        streamType: 'video',
        publisherSettings: { bitrate: 1_000_000, mediatypes: 3, audiocodec: 'opus' },
      },
    },
    {
      id: '4',
      type: 'command',
      command: { type: 'create-subscriber', streamType: 'video', publisherId: clientId },
    },
    {
      id: '4',
      type: 'command',
      command: {
        type: 'create-subscriber',
        streamType: 'video',
        publisherId: 'session',
        remoteUrl: 'http://127.0.0.1:1/',
        remoteToken: token,
      },
    },
    { id: '30', type: 'command', command: { type: 'delete-publisher', clientId } },
    { id: '31', type: 'command', command: { type: 'delete-subscriber', clientId } },
    {
      id: '32',
      type: 'command',
      command: { type: 'publish-remote', clientId, hostname: '127.0.0.1', port: 1, rtcpPort: 2 },
    },
    { id: '33', type: 'command', command: { type: 'unpublish-remote', clientId } },
    { id: '34', type: 'command', command: { type: 'get-publisher-streams', clientId } },
    payload('offer', { type: 'offer', sdp: SDP }),
    payload('answer', { type: 'answer', sdp: SDP }),
    payload('candidate', { candidate: CANDIDATE }),
    payload('endOfCandidates'),
    payload('requestoffer'),
    payload('sendoffer'),
    payload('selectStream', { substream: 1, temporal: 0 }),
    { id: '40', type: 'bye', bye: {} },
  ];
}

/** Frames a proxy sends to a signaling server. */
export function proxyServerSeeds(clientId: string): Record<string, unknown>[] {
  return [
    {
      id: '1',
      type: 'hello',
      hello: { version: '1.0', sessionid: 'session-1', server: { version: 'unreleased' } },
    },
    { type: 'event', event: { type: 'update-load' } },
    {
      type: 'event',
      event: {
        type: 'update-load',
        load: 12,
        bandwidth: { incoming: 10.5, outgoing: 3, received: 1000, sent: 2000 },
      },
    },
    { id: '2', type: 'command', command: { id: clientId } },
    { id: '2', type: 'command', command: { id: clientId, bitrate: 1_048_576 } },
    { id: '4', type: 'command', command: { id: clientId, sid: '1796594230987799' } },
    {
      id: '5',
      type: 'command',
      command: {
        streams: [{ mid: '0', mindex: 0, type: 'audio', codec: 'opus', stereo: false, fec: true }],
      },
    },
    {
      id: '3',
      type: 'payload',
      payload: { type: 'offer', clientId, payload: { type: 'answer', sdp: SDP } },
    },
    { id: '8', type: 'payload', payload: { type: 'answer', clientId, payload: null } },
    {
      type: 'payload',
      payload: { type: 'candidate', clientId, payload: { candidate: CANDIDATE } },
    },
    { type: 'event', event: { type: 'ice-completed', clientId } },
    { type: 'event', event: { type: 'publisher-connected', clientId } },
    { type: 'event', event: { type: 'subscriber-closed', clientId } },
    { type: 'event', event: { type: 'publisher-closed', clientId } },
    { type: 'event', event: { type: 'shutdown-scheduled' } },
    { type: 'event', event: { type: 'backend-disconnected' } },
    { type: 'bye', bye: { reason: 'session_expired' } },
    {
      id: '9',
      type: 'error',
      error: { code: 'unknown_client', message: 'Unknown client id given.' },
    },
  ];
}
