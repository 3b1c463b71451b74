import { isIP } from 'node:net';
import type { IpList } from '../transport/real-ip.js';

/** The parts of an ICE candidate line we look at. */
export interface ParsedCandidate {
  foundation: string;
  component: number;
  protocol: string;
  priority: number;
  /** IP address, or a hostname (mDNS `….local`). */
  address: string;
  port: number;
  /** host, srflx, prflx or relay. */
  type: string;
}

const CANDIDATE_TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);

function uint(text: string | undefined, max: number): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) {
    return undefined;
  }
  const value = Number(text);
  return value <= max ? value : undefined;
}

/**
 * Parses an ICE candidate attribute value (`candidate:` prefix optional), as RFC 8839 writes it.
 * Throws an Error naming the problem.
 */
export function parseCandidate(text: string): ParsedCandidate {
  const value = text.startsWith('candidate:') ? text.slice('candidate:'.length) : text;
  const fields = value.trim().split(/\s+/);
  if (fields.length < 8) {
    throw new Error(`attribute not long enough to be ICE candidate (${fields.length})`);
  }
  const [foundation, componentText, protocol, priorityText, address, portText, typ, type] =
    fields as [string, string, string, string, string, string, string, string];
  const component = uint(componentText, 0xffff);
  if (component === undefined) {
    throw new Error(`could not parse component: ${componentText}`);
  }
  if (!/^(udp|tcp)$/i.test(protocol)) {
    throw new Error(`unknown protocol: ${protocol}`);
  }
  const priority = uint(priorityText, 0xffffffff);
  if (priority === undefined) {
    throw new Error(`could not parse priority: ${priorityText}`);
  }
  if (address === '') {
    throw new Error('missing address');
  }
  const port = uint(portText, 0xffff);
  if (port === undefined) {
    throw new Error(`could not parse port: ${portText}`);
  }
  if (typ !== 'typ' || !CANDIDATE_TYPES.has(type)) {
    throw new Error(`unknown candidate type: ${type}`);
  }
  return { foundation, component, protocol: protocol.toLowerCase(), priority, address, port, type };
}

/** The `[mcu] allowedcandidates` / `blockedcandidates` lists. */
export interface CandidateFilter {
  allowed: IpList | undefined;
  blocked: IpList | undefined;
}

function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || /^[0:]+$/.test(address);
}

/**
 * Upstream's candidate filter: true when the candidate must be dropped. Candidates whose address is
 * not an IP (e.g. mDNS names) or is unspecified are dropped; the allow list wins over the block
 * list. An empty candidate (end of candidates) is never dropped.
 */
export function isCandidateFiltered(
  candidate: ParsedCandidate | 'end',
  filter: CandidateFilter,
): boolean {
  if (candidate === 'end') {
    return false;
  }
  const address = candidate.address;
  if (isIP(address) === 0 || isUnspecified(address)) {
    return true;
  }
  if (filter.allowed?.contains(address)) {
    return false;
  }
  return filter.blocked?.contains(address) === true;
}

/** A parsed session description: its lines and the media sections. */
export interface ParsedSdp {
  /** Media kinds of the `m=` lines in order (`audio`, `video`, `application`). */
  media: string[];
}

/** Why an SDP is invalid: the wire error message and details upstream sends. */
export class SdpError extends Error {
  readonly wireMessage: string;
  readonly details: Record<string, unknown>;
  constructor(wireMessage: string, details: Record<string, unknown>) {
    super(String(details.error ?? wireMessage));
    this.name = 'SdpError';
    this.wireMessage = wireMessage;
    this.details = details;
  }
}

const SESSION_KEYS = new Set([
  'v',
  'o',
  's',
  'i',
  'u',
  'e',
  'p',
  'c',
  'b',
  't',
  'r',
  'z',
  'k',
  'a',
]);
const MEDIA_KEYS = new Set(['i', 'c', 'b', 'k', 'a']);

function lines(sdp: string): string[] {
  const all = sdp.split(/\r?\n/);
  while (all.length > 0 && all[all.length - 1] === '') {
    all.pop();
  }
  return all;
}

/**
 * Checks a session description the way upstream does before it goes to Janus: well-formed `x=`
 * lines in RFC 8866 order (v, o, s first; at least one t before any m), `m=` lines with media,
 * port, protocol and formats, and every `a=candidate` parseable. Throws an {@link SdpError}.
 */
export function parseSdp(sdp: string): ParsedSdp {
  const all = lines(sdp);
  const fail = (error: string) =>
    new SdpError('Error parsing SDP from payload.', { error: `sdp: ${error}` });
  if (all.length === 0) {
    throw fail('empty description');
  }
  const media: string[] = [];
  let sawTiming = false;
  let index = 0;
  let attributeIndex = 0;
  for (const line of all) {
    const match = /^([a-z])=(.*)$/.exec(line);
    if (!match) {
      throw fail(`invalid syntax \`${line.slice(0, 40)}\``);
    }
    const key = match[1] as string;
    const value = match[2] as string;
    const expected = ['v', 'o', 's'][index];
    if (expected !== undefined && key !== expected) {
      throw fail(`expected ${expected}= at line ${index + 1}`);
    }
    index += 1;
    if (key === 'v' && value !== '0') {
      throw fail(`unsupported version ${value}`);
    }
    if (key === 'm') {
      if (!sawTiming) {
        throw fail('m= before t=');
      }
      const fields = value.split(' ');
      if (fields.length < 4 || !/^\d+(\/\d+)?$/.test(fields[1] as string)) {
        throw fail(`invalid media line \`${line.slice(0, 40)}\``);
      }
      media.push(fields[0] as string);
      attributeIndex = 0;
      continue;
    }
    const allowed = media.length === 0 ? SESSION_KEYS : MEDIA_KEYS;
    if (!allowed.has(key) || (key === 'v' && index > 1)) {
      throw fail(`invalid syntax \`${line.slice(0, 40)}\``);
    }
    if (key === 't') {
      sawTiming = true;
    }
    if (key === 'a' && media.length > 0) {
      if (value.startsWith('candidate:')) {
        try {
          parseCandidate(value);
        } catch (err) {
          throw new SdpError('Error parsing candidate from media description.', {
            media: media[media.length - 1],
            idx: attributeIndex,
            error: (err as Error).message,
          });
        }
      }
      attributeIndex += 1;
    }
  }
  if (index < 3) {
    throw fail('description incomplete');
  }
  return { media };
}

/**
 * Removes `a=candidate` lines the filter rejects (or that do not parse). Returns the new text, or
 * undefined when nothing was removed.
 */
export function filterSdpCandidates(sdp: string, filter: CandidateFilter): string | undefined {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const all = sdp.split(/\r?\n/);
  let removed = false;
  const kept = all.filter((line) => {
    if (!line.startsWith('a=candidate:')) {
      return true;
    }
    let drop: boolean;
    try {
      drop = isCandidateFiltered(parseCandidate(line.slice(2)), filter);
    } catch {
      drop = true;
    }
    removed ||= drop;
    return !drop;
  });
  return removed ? kept.join(eol) : undefined;
}
