import type { ChatApi, SendMessageOptions } from './http/chat-api.js';
import type { ChatMessage } from './http/talk-types.js';
import type { AsyncBroadcast } from './util/async-queue.js';

/** The chat of the joined conversation. */
export class TalkChat {
  readonly #api: ChatApi;
  readonly #displayName: () => string | undefined;
  readonly #feed: AsyncBroadcast<ChatMessage>;

  /** @internal Created by `TalkClient`. */
  constructor(
    api: ChatApi,
    displayName: () => string | undefined,
    feed: AsyncBroadcast<ChatMessage>,
  ) {
    this.#api = api;
    this.#displayName = displayName;
    this.#feed = feed;
  }

  /**
   * Posts a message; resolves with the stored message. Rejects with a `ClientError` of reason
   * `read_only`, `no_permission`, `lobby` or `message_too_long` when Talk refuses it.
   */
  send(message: string, options: SendMessageOptions = {}): Promise<ChatMessage> {
    const name = this.#displayName();
    return this.#api.send(message, {
      ...options,
      ...(name === undefined ? {} : { actorDisplayName: name }),
    });
  }

  /** The newest `limit` (default 100) messages, oldest first; `beforeId` pages backwards. */
  history(options: { limit?: number; beforeId?: number } = {}): Promise<ChatMessage[]> {
    return this.#api.history(options);
  }

  /**
   * New messages from now on (ours included), until the client closes. Pushed by the signaling
   * server when it relays chat, else fetched or long-polled.
   */
  messages(): AsyncIterableIterator<ChatMessage> {
    return this.#feed.subscribe();
  }
}
