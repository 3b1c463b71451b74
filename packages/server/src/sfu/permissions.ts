import { Permissions } from '@spreed-ts/protocol';
import { SfuPermissionError } from './errors.js';
import type { McuData } from './mcu-data.js';
import { MediaTypes } from './sfu.js';

/** Answers whether the session holds a permission (old-style sessions hold all but one). */
export type HasPermission = (permission: string) => boolean;

/**
 * The media an offer publishes, checked against the session's permissions (upstream's
 * isSdpAllowedToSend): every audio section needs `publish-audio` and every video section
 * `publish-video`, unless the session has `publish-media`.
 */
export function offerMediaTypes(data: McuData, has: HasPermission): number {
  let types = 0;
  const mayPublishMedia = has(Permissions.publishMedia);
  for (const media of data.offerSdp?.media ?? []) {
    if (media === 'audio') {
      if (!mayPublishMedia && !has(Permissions.publishAudio)) {
        throw new SfuPermissionError(Permissions.publishAudio);
      }
      types |= MediaTypes.audio;
    } else if (media === 'video') {
      if (!mayPublishMedia && !has(Permissions.publishVideo)) {
        throw new SfuPermissionError(Permissions.publishVideo);
      }
      types |= MediaTypes.video;
    }
  }
  return types;
}

/**
 * Upstream's checkOfferType, run before a publisher is created or re-offered: screens need
 * `publish-screen`, offers the permissions of their media. Returns the media types.
 */
export function checkOfferType(data: McuData, has: HasPermission): number {
  if (data.roomType === 'screen') {
    if (!has(Permissions.publishScreen)) {
      throw new SfuPermissionError(Permissions.publishScreen);
    }
    return MediaTypes.screen;
  }
  if (data.type === 'offer') {
    return offerMediaTypes(data, has);
  }
  return 0;
}

/**
 * Upstream's IsAllowedToSend, for messages about one's own publisher (candidates, `sendoffer`):
 * screens need `publish-screen`; otherwise `publish-media`, or for offers the media permissions,
 * or else at least one of `publish-audio` / `publish-video`.
 */
export function checkAllowedToSend(data: McuData, has: HasPermission): void {
  if (data.roomType === 'screen') {
    if (!has(Permissions.publishScreen)) {
      throw new SfuPermissionError(Permissions.publishScreen);
    }
    return;
  }
  if (has(Permissions.publishMedia)) {
    return;
  }
  if (data.type === 'offer') {
    offerMediaTypes(data, has);
    return;
  }
  if (!has(Permissions.publishAudio) && !has(Permissions.publishVideo)) {
    throw new SfuPermissionError(Permissions.publishMedia);
  }
}

/**
 * Which publishers a session must lose after its permissions changed (upstream's reaction to a
 * participants update): the video publisher when it carries audio without `publish-audio` or video
 * without `publish-video` (and no `publish-media`), the screen publisher without `publish-screen`.
 */
export function publishersToClose(
  publishers: ReadonlyMap<string, { mediaTypes: number }>,
  has: HasPermission,
): string[] {
  const result: string[] = [];
  const video = publishers.get('video');
  if (video !== undefined && !has(Permissions.publishMedia)) {
    const audioDenied =
      (video.mediaTypes & MediaTypes.audio) !== 0 && !has(Permissions.publishAudio);
    const videoDenied =
      (video.mediaTypes & MediaTypes.video) !== 0 && !has(Permissions.publishVideo);
    if (audioDenied || videoDenied) {
      result.push('video');
    }
  }
  if (publishers.has('screen') && !has(Permissions.publishScreen)) {
    result.push('screen');
  }
  return result;
}
