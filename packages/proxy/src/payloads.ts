/**
 * A `payload` from a signaling server as the SFU reads it (upstream's MessageClientMessageData):
 * which types pass on to Janus, which are only acknowledged, and upstream's validity checks.
 */
import type { ProxyPayloadRequest } from '@spreed-ts/protocol';
import {
  type CandidateFilter,
  checkMcuData,
  isCandidateFiltered,
  type McuData,
  type StreamType,
} from '@spreed-ts/server';

/**
 * The SFU message of `payload` for a client of `streamType`; `acknowledge` when it is confirmed
 * without going to Janus (`endOfCandidates`, a filtered candidate), else why it is unsupported.
 */
export function payloadToMcuData(
  payload: ProxyPayloadRequest,
  streamType: StreamType,
  filter: CandidateFilter,
): McuData | 'acknowledge' | `unsupported: ${string}` {
  const data: McuData = {
    type: payload.type,
    sid: payload.sid ?? '',
    roomType: streamType,
    payload: undefined,
    bitrate: 0,
    audiocodec: '',
    videocodec: '',
    vp9profile: '',
    h264profile: '',
  };
  switch (payload.type) {
    case 'offer':
    case 'answer':
    case 'selectStream':
    case 'candidate':
      data.payload = payload.payload;
      break;
    case 'endOfCandidates':
      // Janus learns the end of the candidates from the SDP.
      return 'acknowledge';
    case 'requestoffer':
    case 'sendoffer':
      break;
    default:
      return `unsupported: type ${payload.type}`;
  }
  try {
    checkMcuData(data);
  } catch (err) {
    return `unsupported: ${(err as Error).message}`;
  }
  if (
    data.candidate !== undefined &&
    data.candidate !== 'end' &&
    isCandidateFiltered(data.candidate, filter)
  ) {
    // Filtered candidates are dropped silently, as upstream does.
    return 'acknowledge';
  }
  return data;
}
