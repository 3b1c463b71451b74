import { OcsClient } from './http/ocs-client.js';
import { parseRoomUrl, type RoomUrl } from './http/room-url.js';
import { TalkApi } from './http/talk-api.js';
import {
  callsAreEndToEndEncrypted,
  type TalkCapabilities,
  type TalkRoom,
} from './http/talk-types.js';
import type { TalkClientOptions } from './talk-client-types.js';
import { ClientError } from './util/client-error.js';

/** The HTTP side of a joined conversation. */
export interface JoinedConversation {
  url: RoomUrl;
  api: TalkApi;
  capabilities: TalkCapabilities;
  /** The room object from `participants/active` (our Talk session id is `room.sessionId`). */
  room: TalkRoom;
}

/**
 * Steps 1–4 of joining (notes §2.4): load the public page with one cookie jar (cookies and
 * request token), read the capabilities (refusing end-to-end-encrypted calls), join the
 * conversation ONCE with `participants/active` (password if given) and set the guest name.
 */
export async function joinConversation(
  roomUrl: string,
  options: TalkClientOptions,
): Promise<JoinedConversation> {
  const url = parseRoomUrl(roomUrl);
  if ((options.user === undefined) !== (options.appPassword === undefined)) {
    throw new ClientError('invalid_state', 'pass both a user and an app password, or neither');
  }
  const ocs = new OcsClient({
    baseUrl: url.baseUrl,
    ...(options.user === undefined || options.appPassword === undefined
      ? {}
      : { credentials: { user: options.user, appPassword: options.appPassword } }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    userAgent: 'spreed-ts-client/0.1',
  });
  const api = new TalkApi(ocs, url.token);
  const signal = options.signal;
  await api.loadRoomPage(url.pageUrl, signal);
  const capabilities = await api.capabilities(signal);
  if (callsAreEndToEndEncrypted(capabilities)) {
    throw new ClientError(
      'e2ee_unsupported',
      'calls on this server are end-to-end encrypted; this client cannot decrypt them and would only record noise',
    );
  }
  const room = await api.joinConversation(options.password, signal);
  if (options.user === undefined && options.name !== undefined && options.name !== '') {
    try {
      await api.setGuestName(options.name, signal);
    } catch (error) {
      await api.leaveConversation().catch(() => undefined);
      throw error;
    }
  }
  return { url, api, capabilities, room };
}
