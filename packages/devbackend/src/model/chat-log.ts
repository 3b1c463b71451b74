import { EventEmitter } from 'node:events';
import { nowSeconds } from './random.js';
import type { ChatMessage } from './types.js';

/** Events of the chat log. */
export type ChatLogEvents = {
  /** A message was stored. */
  messageSent: [message: ChatMessage];
};

/** What {@link ChatLog.post} needs. */
export interface PostMessage {
  token: string;
  actorType: string;
  actorId: string;
  actorDisplayName: string;
  message: string;
  referenceId?: string;
  replyTo?: number;
  silent?: boolean;
  messageType?: ChatMessage['messageType'];
  systemMessage?: string;
}

/** Query of {@link ChatLog.read}, mirroring the chat API parameters. */
export interface ReadQuery {
  lookIntoFuture: boolean;
  lastKnownMessageId: number;
  limit: number;
  includeLastKnown: boolean;
}

/**
 * Chat messages of all rooms with ids from one global counter (like Nextcloud's comments table),
 * plus the waiting used by the chat long-poll.
 */
export class ChatLog extends EventEmitter<ChatLogEvents> {
  readonly #messages = new Map<string, ChatMessage[]>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #nextId = 1;
  #longPolls = 0;

  /** How many chat requests waited for new messages (long-polled) so far. */
  get longPolls(): number {
    return this.#longPolls;
  }

  /** Stores a message and wakes long-polls of its room. */
  post(input: PostMessage): ChatMessage {
    const list = this.#list(input.token);
    const parent =
      input.replyTo === undefined ? undefined : list.find((m) => m.id === input.replyTo);
    const message: ChatMessage = {
      id: this.#nextId++,
      token: input.token,
      actorType: input.actorType,
      actorId: input.actorId,
      actorDisplayName: input.actorDisplayName,
      timestamp: nowSeconds(),
      message: input.message,
      messageParameters: [],
      systemMessage: input.systemMessage ?? '',
      messageType: input.messageType ?? 'comment',
      isReplyable: (input.messageType ?? 'comment') === 'comment',
      referenceId: input.referenceId ?? '',
      reactions: [],
      expirationTimestamp: 0,
      markdown: true,
      threadId: 0,
      ...(input.silent === true ? { silent: true } : {}),
      ...(parent === undefined ? {} : { parent }),
    };
    list.push(message);
    this.emit('messageSent', message);
    const waiters = this.#waiters.get(input.token);
    if (waiters !== undefined) {
      this.#waiters.delete(input.token);
      for (const wake of waiters) {
        wake();
      }
    }
    return message;
  }

  /** All messages of a room, oldest first. */
  messages(token: string): readonly ChatMessage[] {
    return this.#messages.get(token) ?? [];
  }

  /** The newest message of a room. */
  last(token: string): ChatMessage | undefined {
    const list = this.#messages.get(token);
    return list?.[list.length - 1];
  }

  /**
   * Messages for one chat request: newer ones oldest first when looking into the future, older
   * ones newest first otherwise (Talk `ChatManager::getHistory` / `waitForNewMessages`).
   */
  read(token: string, query: ReadQuery): ChatMessage[] {
    const list = this.messages(token);
    const last = query.lastKnownMessageId;
    if (query.lookIntoFuture) {
      return list
        .filter((m) => (query.includeLastKnown ? m.id >= last : m.id > last))
        .slice(0, query.limit);
    }
    return list
      .filter((m) => last === 0 || (query.includeLastKnown ? m.id <= last : m.id < last))
      .reverse()
      .slice(0, query.limit);
  }

  /**
   * Resolves true as soon as a message arrives in `token`, or false after `timeoutMs` or when
   * `signal` aborts.
   */
  waitForMessage(token: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    this.#longPolls++;
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(token);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(token, waiters);
      }
      const set = waiters;
      const finish = (value: boolean): void => {
        clearTimeout(timer);
        set.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const wake = (): void => finish(true);
      const onAbort = (): void => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      set.add(wake);
      if (signal?.aborted === true) {
        finish(false);
      } else {
        signal?.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /** Ends every pending long-poll (used on shutdown). */
  wakeAll(): void {
    const all = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const set of all) {
      for (const wake of set) {
        wake();
      }
    }
  }

  #list(token: string): ChatMessage[] {
    let list = this.#messages.get(token);
    if (list === undefined) {
      list = [];
      this.#messages.set(token, list);
    }
    return list;
  }
}
