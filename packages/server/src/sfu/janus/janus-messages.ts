import {
  isObject,
  JsonDepthError,
  MAX_PEER_JSON_DEPTH,
  ProtocolError,
  parseJsonBounded,
} from '@spreed-ts/protocol';

/** A session description as Janus sends and accepts it (`type` offer/answer, `sdp`, maybe more). */
export type Jsep = Record<string, unknown> & { type: string; sdp: string };

/** `plugindata` of a plugin reply or event. */
export interface PluginData {
  /** Plugin package name, e.g. `janus.plugin.videoroom`. */
  plugin: string;
  /** The plugin's own reply (`videoroom`, `room`, `error_code`, …). */
  data: Record<string, unknown>;
}

/** An ICE candidate Janus trickles (or `completed: true` at the end of gathering). */
export interface TrickleCandidate {
  sdpMid?: string;
  sdpMLineIndex?: number;
  candidate?: string;
  completed?: boolean;
}

/** Fields every frame may have. */
interface FrameBase {
  /** Correlates replies with requests; absent on unsolicited events. */
  transaction?: string;
  /** Janus session the frame belongs to. */
  session_id?: number;
  /** Handle the frame belongs to (events). */
  sender?: number;
}

/** One frame from Janus, after validation. */
export type JanusFrame =
  | (FrameBase & { janus: 'ack' })
  | (FrameBase & { janus: 'success'; data?: Record<string, unknown>; plugindata?: PluginData })
  | (FrameBase & { janus: 'error'; error: { code: number; reason: string } })
  | (FrameBase & { janus: 'server_info'; info: Record<string, unknown> })
  | (FrameBase & { janus: 'event'; plugindata?: PluginData; jsep?: Jsep })
  | (FrameBase & { janus: 'webrtcup' })
  | (FrameBase & { janus: 'media'; type: string; receiving: boolean })
  | (FrameBase & { janus: 'hangup'; reason: string })
  | (FrameBase & { janus: 'slowlink'; uplink: boolean; lost: number })
  | (FrameBase & { janus: 'detached' })
  | (FrameBase & { janus: 'timeout' })
  | (FrameBase & { janus: 'trickle'; candidate: TrickleCandidate });

/** The `janus` values this client understands (upstream's list). */
export type JanusFrameType = JanusFrame['janus'];

const KNOWN = new Set<string>([
  'ack',
  'success',
  'error',
  'server_info',
  'event',
  'webrtcup',
  'media',
  'hangup',
  'slowlink',
  'detached',
  'timeout',
  'trickle',
]);

function optId(raw: Record<string, unknown>, key: string): number | undefined {
  const value = raw[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ProtocolError(`janus frame: ${key} is not an id`);
  }
  return value;
}

function pluginData(raw: Record<string, unknown>): PluginData | undefined {
  const value = raw.plugindata;
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!isObject(value) || typeof value.plugin !== 'string') {
    throw new ProtocolError('janus frame: plugindata malformed');
  }
  return { plugin: value.plugin, data: isObject(value.data) ? value.data : {} };
}

function jsep(raw: Record<string, unknown>): Jsep | undefined {
  const value = raw.jsep;
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!isObject(value) || typeof value.type !== 'string' || typeof value.sdp !== 'string') {
    throw new ProtocolError('janus frame: jsep malformed');
  }
  return value as Jsep;
}

/**
 * Validates one text frame from Janus. Throws a ProtocolError for anything that is not JSON, has no
 * known `janus` type or carries a malformed field; the caller logs and drops such frames.
 */
export function parseJanusFrame(text: string): JanusFrame {
  let raw: unknown;
  try {
    raw = parseJsonBounded(text, MAX_PEER_JSON_DEPTH);
  } catch (err) {
    throw new ProtocolError(
      err instanceof JsonDepthError ? err.message : 'janus frame is not JSON',
      { cause: err },
    );
  }
  if (!isObject(raw) || typeof raw.janus !== 'string') {
    throw new ProtocolError('janus frame without type');
  }
  const type = raw.janus;
  if (!KNOWN.has(type)) {
    throw new ProtocolError(`janus frame of unknown type ${JSON.stringify(type)}`);
  }
  const base: FrameBase = {};
  if (raw.transaction !== undefined && raw.transaction !== null) {
    if (typeof raw.transaction !== 'string') {
      throw new ProtocolError('janus frame: transaction is not a string');
    }
    base.transaction = raw.transaction;
  }
  const session = optId(raw, 'session_id');
  if (session !== undefined) {
    base.session_id = session;
  }
  const sender = optId(raw, 'sender');
  if (sender !== undefined) {
    base.sender = sender;
  }
  switch (type) {
    case 'success': {
      const frame: JanusFrame = { ...base, janus: 'success' };
      if (isObject(raw.data)) {
        frame.data = raw.data;
      }
      const pd = pluginData(raw);
      if (pd) {
        frame.plugindata = pd;
      }
      return frame;
    }
    case 'error': {
      const error = raw.error;
      if (!isObject(error) || typeof error.code !== 'number') {
        throw new ProtocolError('janus frame: error malformed');
      }
      const reason = typeof error.reason === 'string' ? error.reason : '';
      return { ...base, janus: 'error', error: { code: error.code, reason } };
    }
    case 'server_info':
      return { ...base, janus: 'server_info', info: raw };
    case 'event': {
      const frame: JanusFrame = { ...base, janus: 'event' };
      const pd = pluginData(raw);
      if (pd) {
        frame.plugindata = pd;
      }
      const j = jsep(raw);
      if (j) {
        frame.jsep = j;
      }
      return frame;
    }
    case 'media':
      return {
        ...base,
        janus: 'media',
        type: typeof raw.type === 'string' ? raw.type : '',
        receiving: raw.receiving === true,
      };
    case 'hangup':
      return { ...base, janus: 'hangup', reason: typeof raw.reason === 'string' ? raw.reason : '' };
    case 'slowlink':
      return {
        ...base,
        janus: 'slowlink',
        uplink: raw.uplink === true,
        lost: typeof raw.lost === 'number' ? raw.lost : 0,
      };
    case 'trickle': {
      const candidate = raw.candidate;
      if (!isObject(candidate)) {
        throw new ProtocolError('janus frame: trickle without candidate');
      }
      return { ...base, janus: 'trickle', candidate: candidate as TrickleCandidate };
    }
    case 'ack':
    case 'webrtcup':
    case 'detached':
    case 'timeout':
      return { ...base, janus: type };
    default:
      throw new ProtocolError(`janus frame of unknown type ${JSON.stringify(type)}`);
  }
}

/** What the videoroom plugin answered: its data, and a session description if it sent one. */
export interface PluginReply {
  data: Record<string, unknown>;
  jsep?: Jsep;
}

/** The plugin's `error_code`, or 0 when the reply is not an error. */
export function pluginErrorCode(data: Record<string, unknown>): number {
  const code = data.error_code;
  return typeof code === 'number' && code > 0 ? code : 0;
}
