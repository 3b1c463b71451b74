import type { IceServer } from '../http/talk-types.js';
import type { JsonObject } from '../util/json.js';
import type { ClientLogger } from '../util/logger.js';
import type { MediaStack, MediaTrackLike } from './media-stack.js';
import type { Peer } from './peer.js';

/** What the P2P and SFU call managers get from their owner. */
export interface MediaContext {
  readonly stack: MediaStack;
  /** Our signaling session id. */
  readonly ownSessionId: string;
  readonly iceServers: IceServer[];
  /** Our display name (sent as `nick`). */
  readonly nick: string;
  /** Our in-call flags carry audio or video: we send a stream. */
  readonly publishing: boolean;
  /** The outgoing audio track, when publishing. */
  readonly localTrack: MediaTrackLike | undefined;
  /** The outgoing camera track, when sending video. */
  readonly localVideoTrack: MediaTrackLike | undefined;
  /** The shared screen, when sharing (a `screen` publisher, or `screen` peers on P2P). */
  readonly screenTrack: MediaTrackLike | undefined;
  /** Publish the camera as simulcast layers (SFU only). */
  readonly simulcast: boolean;
  readonly receiveVideo: boolean;
  /** Retry period of `requestoffer`, unanswered publisher offers and the P2P fallback; 10 s. */
  readonly retryMs: number;
  /** Sends a signaling `message` to one session. */
  send(to: string, data: JsonObject): void;
  /** Hands a new peer to the owner (audio sinks, state events). */
  adopt(peer: Peer): void;
  /** Reports a problem the user may want to see (a refused `requestoffer` …). */
  warn(message: string): void;
  readonly logger: ClientLogger;
}

/** Key of a peer: remote session and room type (`video` or `screen`). */
export function peerKey(remoteId: string, roomType: string): string {
  return `${remoteId}|${roomType}`;
}
