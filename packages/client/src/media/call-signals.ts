import { isObject, type JsonObject, optStr } from '../util/json.js';
import type { IceCandidateInit } from './media-stack.js';

/** The `sid` of a WebRTC session as sent (strings from the SFU, numbers from some clients). */
export type Sid = string | number;

/** A WebRTC signaling payload from another session (offers, answers, candidates …). */
export type CallSignal =
  | { type: 'offer' | 'answer'; roomType: string; sid?: Sid; sdp: string; nick?: string }
  | { type: 'candidate'; roomType: string; sid?: Sid; candidate: IceCandidateInit }
  | { type: 'requestoffer'; roomType: string; sid?: Sid }
  | { type: 'endOfCandidates'; roomType: string; sid?: Sid }
  | { type: 'nickChanged'; name: string }
  | { type: 'mute' | 'unmute'; what: string }
  | { type: 'unshareScreen' | 'other'; raw: JsonObject };

function sidOf(data: JsonObject): Sid | undefined {
  const sid = data.sid;
  return typeof sid === 'string' || typeof sid === 'number' ? sid : undefined;
}

/** The sender's name a signal carries: a `nickChanged`, or the `nick` of an offer or answer. */
export function signalNick(signal: CallSignal): string | undefined {
  if (signal.type === 'nickChanged') {
    return signal.name;
  }
  if ((signal.type === 'offer' || signal.type === 'answer') && signal.nick) {
    return signal.nick;
  }
  return undefined;
}

/**
 * A signaling `message` from session `from`, parsed; the sender's name it carries (see
 * {@link signalNick}) is noted in `roster` first. Undefined when `data` is no call signal.
 */
export function receiveCallSignal(
  roster: { setNick(sessionId: string, nick: string): unknown },
  from: string,
  data: unknown,
): CallSignal | undefined {
  const signal = parseCallSignal(data);
  if (signal !== undefined) {
    const nick = signalNick(signal);
    if (nick !== undefined) {
      roster.setNick(from, nick);
    }
  }
  return signal;
}

/**
 * Parses the `data` of a signaling `message` from another session. Unknown or malformed payloads
 * come back as `other` (never throws: a peer's bad message must not break the call).
 */
export function parseCallSignal(data: unknown): CallSignal | undefined {
  if (!isObject(data) || typeof data.type !== 'string') {
    return undefined;
  }
  const roomType = optStr(data, 'roomType') ?? 'video';
  const sid = sidOf(data);
  const withSid = sid === undefined ? {} : { sid };
  const payload = isObject(data.payload) ? data.payload : undefined;
  switch (data.type) {
    case 'offer':
    case 'answer': {
      const sdp = payload === undefined ? undefined : optStr(payload, 'sdp');
      if (sdp === undefined) {
        return { type: 'other', raw: data };
      }
      const nick = payload === undefined ? undefined : optStr(payload, 'nick');
      return {
        type: data.type,
        roomType,
        sdp,
        ...withSid,
        ...(nick === undefined ? {} : { nick }),
      };
    }
    case 'candidate': {
      const c =
        payload !== undefined && isObject(payload.candidate) ? payload.candidate : undefined;
      const text = c === undefined ? undefined : optStr(c, 'candidate');
      if (c === undefined || text === undefined) {
        return { type: 'other', raw: data };
      }
      const candidate: IceCandidateInit = { candidate: text };
      if (typeof c.sdpMid === 'string') {
        candidate.sdpMid = c.sdpMid;
      }
      if (typeof c.sdpMLineIndex === 'number') {
        candidate.sdpMLineIndex = c.sdpMLineIndex;
      }
      return { type: 'candidate', roomType, candidate, ...withSid };
    }
    case 'requestoffer':
    case 'endOfCandidates':
      return { type: data.type, roomType, ...withSid };
    case 'nickChanged': {
      const p = data.payload;
      const name = typeof p === 'string' ? p : isObject(p) ? (optStr(p, 'name') ?? '') : '';
      return { type: 'nickChanged', name };
    }
    case 'mute':
    case 'unmute': {
      const what = isObject(data.payload) ? (optStr(data.payload, 'name') ?? '') : '';
      return { type: data.type, what };
    }
    case 'unshareScreen':
      return { type: 'unshareScreen', raw: data };
    default:
      return { type: 'other', raw: data };
  }
}
