/**
 * The streams of a publisher as Janus's remote publishers describe them (`add_remote_publisher`
 * `streams`, the proxy's `get-publisher-streams`), read from the publisher's offer and Janus's
 * answer: one entry per m-line with a mid, its codec from the answer's first payload type.
 */
import type { ProxyPublisherStream } from '@spreed-ts/protocol';

/** Header extension URIs whose ids remote publishers need. */
const PLAYOUT_DELAY_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay';
const VIDEO_ORIENTATION_URI = 'urn:3gpp:video-orientation';

interface MediaSection {
  type: string;
  formats: string[];
  attributes: { key: string; value: string }[];
}

function mediaSections(sdp: string): MediaSection[] {
  const sections: MediaSection[] = [];
  let current: MediaSection | undefined;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const [type = '', , , ...formats] = line.slice(2).split(' ');
      current = { type, formats, attributes: [] };
      sections.push(current);
    } else if (current !== undefined && line.startsWith('a=')) {
      const body = line.slice(2);
      const colon = body.indexOf(':');
      current.attributes.push(
        colon < 0
          ? { key: body, value: '' }
          : { key: body.slice(0, colon), value: body.slice(colon + 1) },
      );
    }
  }
  return sections;
}

function attribute(section: MediaSection, key: string): string | undefined {
  return section.attributes.find((a) => a.key === key)?.value;
}

/** `key=value` of the `a=fmtp` line of payload type `pt`. */
function fmtpValue(section: MediaSection, pt: string, key: string): string | undefined {
  for (const a of section.attributes) {
    if (a.key !== 'fmtp' || !a.value.startsWith(`${pt} `)) {
      continue;
    }
    for (const part of a.value.slice(pt.length + 1).split(';')) {
      const [k, v] = part.split('=');
      if (k !== undefined && v !== undefined && k.trim().toLowerCase() === key) {
        return v.trim();
      }
    }
  }
  return undefined;
}

function codecName(section: MediaSection, pt: string): string | undefined {
  for (const a of section.attributes) {
    if (a.key === 'rtpmap' && a.value.startsWith(`${pt} `)) {
      return a.value
        .slice(pt.length + 1)
        .split('/')[0]
        ?.toLowerCase();
    }
  }
  return undefined;
}

function hasSimulcast(section: MediaSection | undefined): boolean {
  return (
    section?.attributes.some(
      (a) => a.key === 'simulcast' || (a.key === 'ssrc-group' && a.value.startsWith('SIM ')),
    ) ?? false
  );
}

/** The streams of a publisher whose `offer` Janus answered with `answer`. */
export function publisherStreams(offer: string, answer: string): ProxyPublisherStream[] {
  const offered = mediaSections(offer);
  const streams: ProxyPublisherStream[] = [];
  mediaSections(answer).forEach((section, mindex) => {
    const mid = attribute(section, 'mid');
    const pt = section.formats[0];
    if (mid === undefined || pt === undefined) {
      return;
    }
    const type = section.type.toLowerCase();
    if (type === 'application' && pt.toLowerCase() === 'webrtc-datachannel') {
      streams.push({ mid, mindex, type: 'data' });
      return;
    }
    const codec = codecName(section, pt);
    if (codec === undefined) {
      return;
    }
    if (type === 'audio') {
      const stream: ProxyPublisherStream = { mid, mindex, type, codec };
      if (fmtpValue(section, pt, 'useinbandfec') === '1') {
        stream.fec = true;
      }
      if (fmtpValue(section, pt, 'usedtx') === '1') {
        stream.dtx = true;
      }
      if (fmtpValue(section, pt, 'stereo') === '1') {
        stream.stereo = true;
      }
      streams.push(stream);
    } else if (type === 'video') {
      const stream: ProxyPublisherStream = { mid, mindex, type, codec };
      if (codec === 'vp9') {
        const profile = fmtpValue(section, pt, 'profile-id');
        if (profile !== undefined) {
          stream.vp9_profile = profile;
        }
      } else if (codec === 'h264') {
        const profile = fmtpValue(section, pt, 'profile-level-id');
        if (profile !== undefined) {
          stream.h264_profile = profile;
        }
      }
      for (const a of section.attributes) {
        if (a.key !== 'extmap') {
          continue;
        }
        const [idPart = '', uri] = a.value.split(/\s+/);
        const id = Number.parseInt(idPart, 10);
        if (uri === PLAYOUT_DELAY_URI && Number.isInteger(id)) {
          stream.playoutdelay_ext_id = id;
        } else if (uri === VIDEO_ORIENTATION_URI && Number.isInteger(id)) {
          stream.videoorient_ext_id = id;
        }
      }
      if (hasSimulcast(section) || hasSimulcast(offered[mindex])) {
        stream.simulcast = true;
      }
      streams.push(stream);
    }
  });
  return streams;
}
