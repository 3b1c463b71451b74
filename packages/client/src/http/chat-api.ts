import type { TalkApi } from './talk-api.js';
import { type ChatMessage, parseChatMessage, parseChatMessages } from './talk-types.js';

/** Talk caps the long-poll at 30 s (`ChatController::receiveMessages`), whatever is asked. */
export const MAX_POLL_SECONDS = 30;

/** Options of {@link ChatApi.send}. */
export interface SendMessageOptions {
  /** Id of the message this one replies to. */
  replyTo?: number;
  /** A client-chosen id to recognise the message when it comes back. */
  referenceId?: string;
  /** Don't notify the other participants. */
  silent?: boolean;
}

/** Result of one {@link ChatApi.poll}. */
export interface PollResult {
  /** New messages, oldest first (empty when nothing arrived within the timeout: HTTP 304). */
  messages: ChatMessage[];
  /** What to pass as `lastKnownMessageId` next time (`X-Chat-Last-Given`, or unchanged). */
  lastKnownMessageId: number;
}

/** Options of {@link ChatApi.poll}. */
export interface PollOptions {
  /** The newest message id already seen (0: none). */
  lastKnownMessageId: number;
  /** Long-poll timeout in seconds (0 = answer at once), at most 30; default 30. */
  timeoutSeconds?: number;
  /** At most this many messages (Talk allows 200); default 100. */
  limit?: number;
  /** Move the read marker; default false (a bot reading is not a person reading). */
  setReadMarker?: boolean;
  signal?: AbortSignal;
}

/** The chat endpoints of one conversation (`/ocs/v2.php/apps/spreed/api/v1/chat/{token}`). */
export class ChatApi {
  readonly #api: TalkApi;

  constructor(api: TalkApi) {
    this.#api = api;
  }

  get #path(): string {
    return `ocs/v2.php/apps/spreed/api/v1/chat/${this.#api.token}`;
  }

  /**
   * Posts a message and returns it as stored. Guests may pass `actorDisplayName` implicitly
   * through the client's name. Rejects with `read_only`, `no_permission`, `lobby` or
   * `message_too_long`.
   */
  async send(
    message: string,
    options: SendMessageOptions & { actorDisplayName?: string } = {},
    signal?: AbortSignal,
  ): Promise<ChatMessage> {
    const body: Record<string, unknown> = { message };
    if (options.actorDisplayName !== undefined && options.actorDisplayName !== '') {
      body.actorDisplayName = options.actorDisplayName;
    }
    if (options.replyTo !== undefined) {
      body.replyTo = options.replyTo;
    }
    if (options.referenceId !== undefined) {
      body.referenceId = options.referenceId;
    }
    if (options.silent === true) {
      body.silent = true;
    }
    const r = await this.#api.ocs.request({
      method: 'POST',
      path: this.#path,
      body,
      ...(signal === undefined ? {} : { signal }),
    });
    this.#api.throwForStatus(r, 'send a chat message');
    return parseChatMessage(r.data);
  }

  /**
   * The newest `limit` messages (or those before `beforeId`), returned oldest first.
   * Does not move the read marker.
   */
  async history(
    options: { limit?: number; beforeId?: number; signal?: AbortSignal } = {},
  ): Promise<ChatMessage[]> {
    const r = await this.#api.ocs.request({
      method: 'GET',
      path: this.#path,
      query: {
        lookIntoFuture: 0,
        limit: options.limit ?? 100,
        lastKnownMessageId: options.beforeId ?? 0,
        setReadMarker: 0,
        includeLastKnown: 0,
      },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (r.status === 304) {
      return [];
    }
    this.#api.throwForStatus(r, 'read the chat');
    // Talk returns history newest first.
    return parseChatMessages(r.data).sort((a, b) => a.id - b.id);
  }

  /**
   * One long-poll for messages newer than `lastKnownMessageId`: Talk holds the request up to
   * `timeoutSeconds` (seconds, not ms) and answers 304 without body when nothing arrived.
   */
  async poll(options: PollOptions): Promise<PollResult> {
    const timeoutSeconds = Math.min(MAX_POLL_SECONDS, Math.max(0, options.timeoutSeconds ?? 30));
    const r = await this.#api.ocs.request({
      method: 'GET',
      path: this.#path,
      query: {
        lookIntoFuture: 1,
        timeout: timeoutSeconds,
        limit: options.limit ?? 100,
        lastKnownMessageId: options.lastKnownMessageId,
        setReadMarker: options.setReadMarker === true ? 1 : 0,
        includeLastKnown: 0,
      },
      // The HTTP timeout must outlast the server's long-poll.
      timeoutMs: (timeoutSeconds + 15) * 1000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (r.status === 304) {
      return { messages: [], lastKnownMessageId: options.lastKnownMessageId };
    }
    this.#api.throwForStatus(r, 'read the chat');
    const messages = parseChatMessages(r.data).sort((a, b) => a.id - b.id);
    const header = Number(r.headers.get('x-chat-last-given'));
    const newest = messages.at(-1)?.id ?? options.lastKnownMessageId;
    return {
      messages,
      lastKnownMessageId: Number.isFinite(header) && header > 0 ? header : newest,
    };
  }

  /**
   * Yields every new message from `lastKnownMessageId` on, long-polling until `signal` aborts
   * (the iteration then just ends).
   */
  async *follow(
    lastKnownMessageId: number,
    signal: AbortSignal,
    timeoutSeconds = MAX_POLL_SECONDS,
  ): AsyncGenerator<ChatMessage> {
    let last = lastKnownMessageId;
    while (!signal.aborted) {
      let result: PollResult;
      try {
        result = await this.poll({ lastKnownMessageId: last, timeoutSeconds, signal });
      } catch (error) {
        if (signal.aborted) {
          return;
        }
        throw error;
      }
      last = result.lastKnownMessageId;
      yield* result.messages;
    }
  }
}
