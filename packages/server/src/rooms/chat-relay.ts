import { isObject } from '@spreed-ts/protocol';

/** What a receiver supports / may see, for chat message shaping. */
export interface ChatReceiver {
  /** Hello feature `chat-relay`: the client takes comments from the event instead of polling. */
  chatRelay: boolean;
  /** Permission `hide-displaynames`: authors' display names must be blanked. */
  hideDisplayNames: boolean;
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * Shapes the `data` of a room `message` event (Talk's chat notification) for one receiver, as
 * upstream's per-session filter does. Returns undefined when the data passes unchanged, otherwise
 * the `data` values of the frames to send instead (one per relayed comment, or one refresh).
 *
 * - A notification with `refresh:true` and comments goes to `chat-relay` clients without the refresh
 *   flag, and to others as a plain refresh (comments dropped).
 * - Remaining comments (`comment` first, then `comments`) each become their own frame; for a
 *   receiver with `hide-displaynames` every non-empty `actorDisplayName` is blanked.
 */
export function shapeChatData(data: unknown, receiver: ChatReceiver): unknown[] | undefined {
  if (!isObject(data) || !isObject(data.chat) || data.type !== 'chat') {
    return undefined;
  }
  const chat = data.chat;
  // Upstream decodes into a typed struct; a value of the wrong type makes it pass the data on as is.
  if (present(chat.refresh) && typeof chat.refresh !== 'boolean') {
    return undefined;
  }
  if (present(chat.comments) && !Array.isArray(chat.comments)) {
    return undefined;
  }
  let refresh = chat.refresh === true;
  let comment: unknown = present(chat.comment) ? chat.comment : undefined;
  let comments: unknown[] = Array.isArray(chat.comments) ? chat.comments : [];
  const hasComment = () => comment !== undefined || comments.some(present);

  let update = false;
  if (refresh && hasComment()) {
    if (receiver.chatRelay) {
      refresh = false;
    } else {
      comment = undefined;
      comments = [];
    }
    update = true;
  }
  if (hasComment()) {
    comments = comments.filter(present);
    if (comment !== undefined) {
      comments = [comment, ...comments];
      comment = undefined;
    }
    if (receiver.hideDisplayNames) {
      comments = comments.map((c) => {
        if (isObject(c) && Object.hasOwn(c, 'actorDisplayName') && c.actorDisplayName !== '') {
          update = true;
          return { ...c, actorDisplayName: '' };
        }
        return c;
      });
    }
  }
  if (!update && comments.length === 0) {
    return undefined;
  }
  if (comments.length === 0) {
    return [{ type: data.type, chat: refresh ? { refresh } : {} }];
  }
  return comments.map((c) => ({
    type: data.type,
    chat: refresh ? { refresh, comment: c } : { comment: c },
  }));
}

/** Whether `data` is a bare chat refresh (only one of those is queued for a disconnected session). */
export function isChatRefresh(data: unknown): boolean {
  return (
    isObject(data) && data.type === 'chat' && isObject(data.chat) && data.chat.refresh === true
  );
}
