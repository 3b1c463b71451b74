import type { ChatApi } from './http/chat-api.js';
import { type ChatMessage, parseChatMessage } from './http/talk-types.js';
import { describeError } from './util/client-error.js';
import { isObject } from './util/json.js';
import type { ClientLogger } from './util/logger.js';
import { sleep } from './util/timers.js';

/**
 * New chat messages of one conversation, delivered once each, in order of id:
 * - with signaling, from the room `message` events: the message itself when the server relays
 *   chat (`chat-relay`), else a `refresh` hint after which the messages are fetched over OCS;
 * - without signaling, by long-polling the chat API (`lookIntoFuture=1`, 30 s).
 * After a new signaling session (events may have been missed) call `catchUp()`.
 */
export class ChatFeed {
  readonly #chat: ChatApi;
  readonly #deliver: (message: ChatMessage) => void;
  readonly #logger: ClientLogger;
  readonly #abort = new AbortController();
  #lastKnownId: number;
  #fetching: Promise<void> | undefined;
  #fetchAgain = false;

  constructor(
    chat: ChatApi,
    lastKnownId: number,
    deliver: (message: ChatMessage) => void,
    logger: ClientLogger,
  ) {
    this.#chat = chat;
    this.#lastKnownId = lastKnownId;
    this.#deliver = deliver;
    this.#logger = logger;
  }

  /** The newest message id delivered (or known at start). */
  get lastKnownId(): number {
    return this.#lastKnownId;
  }

  /** Handles the `data` of a room `message` event; returns whether it was chat. */
  handleRoomMessage(data: unknown): boolean {
    if (!isObject(data) || data.type !== 'chat' || !isObject(data.chat)) {
      return false;
    }
    const chat = data.chat;
    const comments = [chat.comment, ...(Array.isArray(chat.comments) ? chat.comments : [])];
    let relayed = false;
    for (const comment of comments) {
      if (isObject(comment) && typeof comment.id === 'number') {
        relayed = true;
        this.#offer(parseChatMessage(comment));
      }
    }
    if (!relayed && chat.refresh === true) {
      void this.catchUp();
    }
    return true;
  }

  /** Fetches whatever arrived since the last delivered message (no waiting). */
  catchUp(): Promise<void> {
    if (this.#fetching !== undefined) {
      this.#fetchAgain = true;
      return this.#fetching;
    }
    this.#fetching = (async () => {
      do {
        this.#fetchAgain = false;
        try {
          const result = await this.#chat.poll({
            lastKnownMessageId: this.#lastKnownId,
            timeoutSeconds: 0,
            signal: this.#abort.signal,
          });
          for (const message of result.messages) {
            this.#offer(message);
          }
        } catch (error) {
          if (!this.#abort.signal.aborted) {
            this.#logger.warn(`fetching new chat messages failed: ${describeError(error)}`);
          }
        }
      } while (this.#fetchAgain && !this.#abort.signal.aborted);
    })().finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  /** Long-polls until `close()` (for clients without signaling). */
  async poll(timeoutSeconds = 30): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const result = await this.#chat.poll({
          lastKnownMessageId: this.#lastKnownId,
          timeoutSeconds,
          signal,
        });
        for (const message of result.messages) {
          this.#offer(message);
        }
      } catch (error) {
        if (signal.aborted) {
          return;
        }
        this.#logger.warn(`chat long-poll failed: ${describeError(error)}; retrying in 5 s`);
        await sleep(5000, signal).catch(() => undefined);
      }
    }
  }

  /** Stops polling and fetching. */
  close(): void {
    this.#abort.abort();
  }

  #offer(message: ChatMessage): void {
    if (message.id <= this.#lastKnownId) {
      return;
    }
    this.#lastKnownId = message.id;
    this.#deliver(message);
  }
}
