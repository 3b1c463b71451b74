import { ErrorCodes, isObject, SignalingError } from '@spreed-ts/protocol';
import { type ParsedCandidate, type ParsedSdp, parseCandidate, parseSdp, SdpError } from './sdp.js';

/** Stream types a `roomType` may name. */
export type StreamType = 'audio' | 'video' | 'screen';

/** Message types the SFU processes itself instead of relaying them. */
export const MCU_TYPES = [
  'requestoffer',
  'sendoffer',
  'offer',
  'answer',
  'candidate',
  'endOfCandidates',
  'selectStream',
  'unshareScreen',
] as const;

/**
 * The `data` of a `message` as the SFU reads it (upstream's MessageClientMessageData), after
 * {@link checkMcuData}: `offerSdp`/`answerSdp`/`candidate` are filled for those types.
 */
export interface McuData {
  type: string;
  /** The client's id of the peer connection (publisher) or the subscriber id it was given. */
  sid: string;
  /** `video`, `screen`, `audio` or empty. */
  roomType: string;
  /** The rest of the message: `{type, sdp}` for offers/answers, `{candidate}` for candidates. */
  payload: Record<string, unknown> | undefined;
  /** Wanted bitrate of a published stream (bits per second, 0 = none). */
  bitrate: number;
  audiocodec: string;
  videocodec: string;
  vp9profile: string;
  h264profile: string;
  offerSdp?: ParsedSdp;
  answerSdp?: ParsedSdp;
  /** The parsed candidate, or `end` for an empty candidate string. */
  candidate?: ParsedCandidate | 'end';
}

const STRING_FIELDS = [
  'type',
  'sid',
  'roomType',
  'audiocodec',
  'videocodec',
  'vp9profile',
  'h264profile',
] as const;

/**
 * Reads `data` as MCU data. Returns undefined when it does not have that shape (not an object, or a
 * known field of the wrong JSON type): upstream then relays the message like any other.
 */
export function decodeMcuData(data: unknown): McuData | undefined {
  if (!isObject(data)) {
    return undefined;
  }
  const strings: Record<(typeof STRING_FIELDS)[number], string> = {
    type: '',
    sid: '',
    roomType: '',
    audiocodec: '',
    videocodec: '',
    vp9profile: '',
    h264profile: '',
  };
  for (const key of STRING_FIELDS) {
    const value = data[key];
    if (value === undefined || value === null) {
      continue;
    }
    if (typeof value !== 'string') {
      return undefined;
    }
    strings[key] = value;
  }
  const payload = data.payload;
  if (payload !== undefined && payload !== null && !isObject(payload)) {
    return undefined;
  }
  const bitrate = data.bitrate ?? 0;
  if (typeof bitrate !== 'number' || !Number.isSafeInteger(bitrate) || bitrate < 0) {
    return undefined;
  }
  return { ...strings, payload: isObject(payload) ? payload : undefined, bitrate };
}

/** Whether `roomType` names a stream type. */
export function isStreamType(roomType: string): roomType is StreamType {
  return roomType === 'audio' || roomType === 'video' || roomType === 'screen';
}

function invalidFormat(reason: string): SignalingError {
  return new SignalingError(ErrorCodes.invalidFormat, 'Invalid data format.', {
    details: { reason },
  });
}

/**
 * Upstream's CheckValid: a known `roomType`, a `type`, a parseable SDP for offers and answers and a
 * parseable candidate for candidates. Fills in the parsed parts; throws the error to send back.
 */
export function checkMcuData(data: McuData): void {
  if (data.roomType !== '' && !isStreamType(data.roomType)) {
    throw invalidFormat(`invalid room type: ${data.roomType}`);
  }
  switch (data.type) {
    case '':
      throw invalidFormat('type missing');
    case 'offer':
    case 'answer': {
      const sdp = data.payload?.sdp;
      if (typeof sdp !== 'string') {
        throw new SignalingError(ErrorCodes.invalidSdp, 'Payload does not contain a valid SDP.');
      }
      let parsed: ParsedSdp;
      try {
        parsed = parseSdp(sdp);
      } catch (err) {
        if (err instanceof SdpError) {
          throw new SignalingError(ErrorCodes.invalidSdp, err.wireMessage, {
            details: err.details,
            cause: err,
          });
        }
        throw err;
      }
      if (data.type === 'offer') {
        data.offerSdp = parsed;
      } else {
        data.answerSdp = parsed;
      }
      return;
    }
    case 'candidate': {
      const payload = data.payload;
      if (payload === undefined || !('candidate' in payload)) {
        throw new SignalingError(ErrorCodes.noCandidate, 'Payload does not contain a candidate.');
      }
      const item = payload.candidate;
      const text = isObject(item) ? item.candidate : undefined;
      if (typeof text !== 'string') {
        throw new SignalingError(
          ErrorCodes.invalidCandidate,
          'Payload does not contain a valid candidate.',
        );
      }
      if (text === '') {
        data.candidate = 'end';
        return;
      }
      try {
        data.candidate = parseCandidate(text);
      } catch (err) {
        throw new SignalingError(
          ErrorCodes.invalidCandidate,
          'Error parsing candidate from payload.',
          {
            details: { error: (err as Error).message },
            cause: err,
          },
        );
      }
      return;
    }
    default:
      return;
  }
}

/** Which substream/temporal layer and which media a subscriber wants (`selectStream`). */
export interface StreamSelection {
  substream?: number;
  temporal?: number;
  audio?: boolean;
  video?: boolean;
}

/**
 * Reads the stream selection from a payload as upstream does: `substream`/`temporal` numbers
 * (truncated), `audio`/`video` booleans. Throws an Error for other types.
 */
export function parseStreamSelection(
  payload: Record<string, unknown> | undefined,
): StreamSelection {
  const selection: StreamSelection = {};
  if (payload === undefined) {
    return selection;
  }
  for (const key of ['substream', 'temporal'] as const) {
    if (key in payload) {
      const value = payload[key];
      if (typeof value !== 'number') {
        throw new Error(`unsupported ${key} value: ${JSON.stringify(value)}`);
      }
      selection[key] = Math.trunc(value);
    }
  }
  for (const key of ['audio', 'video'] as const) {
    if (key in payload) {
      const value = payload[key];
      if (typeof value !== 'boolean') {
        throw new Error(`unsupported ${key} value: ${JSON.stringify(value)}`);
      }
      selection[key] = value;
    }
  }
  return selection;
}

/** Whether a selection asks for anything. */
export function hasSelection(selection: StreamSelection): boolean {
  return Object.keys(selection).length > 0;
}
