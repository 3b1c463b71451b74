/**
 * Subscribers to publishers of other proxies (upstream's `remote-streams`): this proxy connects to
 * the other proxy (a hello with a token of `[app] token_id`/`token_key`), asks it for the
 * publisher's streams, adds a remote publisher with them to its own Janus, and asks the other
 * proxy to `publish-remote` the stream to that remote publisher's ports at `[app] hostname`.
 * Connections and remote publishers are shared by the subscribers that use them and released
 * with the last one (`unpublish-remote`, remote publisher removed, connection closed).
 *
 * The other proxy keeps its forwardings per session of ours. When a link gets a new session there
 * (ours expired, was refused on resume, or ended with `bye`), every live remote publisher is
 * `publish-remote`d again to its existing ports; one that fails (the publisher is gone) is closed,
 * which ends its subscribers. When the other proxy is unreachable or lost its Janus, its publishers
 * are gone with it: the link's remote publishers are closed at once.
 */
import type { ProxyPublisherStream, ProxyServerMessage, WireError } from '@spreed-ts/protocol';
import {
  type JanusRemoteFeed,
  type JanusSfu,
  type Logger,
  ProxyClientConnection,
  type ProxyTokenSigner,
  type StreamType,
} from '@spreed-ts/server';

/** How long connecting to the other proxy and setting up the remote publisher may take. */
export const REMOTE_PUBLISHER_TIMEOUT_MS = 5_000;
/** Longest `remoteUrl` accepted. */
export const MAX_REMOTE_URL_LENGTH = 1024;

/** `[app] token_id`, `token_key` and `hostname`: how this proxy talks to other proxies. */
export interface RemoteStreamsOptions {
  signer: ProxyTokenSigner;
  /** The address other proxies' Janus servers send streams to (our Janus's). */
  hostname: string;
  sfu: JanusSfu;
  logger: Logger;
  /** `[mcu] timeout`, for requests to other proxies. */
  timeoutMs: number;
}

/** An error the other proxy answered with, or one of ours in the protocol's format. */
export class RemoteStreamError extends Error {
  readonly wire: WireError;

  constructor(wire: WireError) {
    super(wire.message);
    this.name = 'RemoteStreamError';
    this.wire = wire;
  }
}

interface Link {
  connection: ProxyClientConnection;
  ready: Promise<void>;
  refs: number;
  /** The session was lost: the next fresh session re-publishes the link's feeds. */
  republish: boolean;
}

interface Feed {
  key: string;
  url: string;
  publisherId: string;
  feed: Promise<JanusRemoteFeed>;
  /** The remote publisher once set up (what a new session re-publishes). */
  live: JanusRemoteFeed | undefined;
  refs: number;
}

/**
 * Resets of a link that mean the other proxy's publishers (and so our forwardings) are gone, not
 * only our session there: its Janus went, or it stopped answering (ProxyConnection's judgement of
 * a dead proxy; waiting for it would leave the subscribers here silent).
 */
const PUBLISHERS_GONE = new Set(['proxy unreachable', 'janus of the proxy disconnected']);

/** Whether `url` can name another proxy (http, https, ws or wss; bounded). */
export function validRemoteUrl(url: string): boolean {
  if (url.length > MAX_REMOTE_URL_LENGTH || !URL.canParse(url)) {
    return false;
  }
  return ['http:', 'https:', 'ws:', 'wss:'].includes(new URL(url).protocol);
}

export class RemoteStreams {
  readonly #o: RemoteStreamsOptions;
  readonly #links = new Map<string, Link>();
  readonly #feeds = new Map<string, Feed>();

  constructor(options: RemoteStreamsOptions) {
    this.#o = options;
  }

  /** Live connections to other proxies (tests). */
  get connectionCount(): number {
    return this.#links.size;
  }

  /**
   * Makes `publisherId`'s `streamType` stream on the proxy at `url` available in our Janus (or
   * reuses it); resolves with a release function for the subscriber that needs it.
   */
  async acquire(url: string, publisherId: string, streamType: StreamType): Promise<() => void> {
    const key = JSON.stringify([url, publisherId, streamType]);
    let entry = this.#feeds.get(key);
    if (entry === undefined) {
      const created: Feed = {
        key,
        url,
        publisherId,
        refs: 0,
        live: undefined,
        feed: this.#createFeed(url, publisherId, streamType),
      };
      entry = created;
      this.#feeds.set(key, created);
      created.feed.then(
        (feed) => {
          created.live = feed;
          feed.once('closed', () => {
            // Janus lost it (reconnect, room destroyed): the next subscriber makes a new one.
            if (this.#feeds.get(key) === created) {
              this.#feeds.delete(key);
              void this.#teardown(created, feed);
            }
          });
        },
        () => {
          if (this.#feeds.get(key) === created) {
            this.#feeds.delete(key);
          }
        },
      );
    }
    entry.refs++;
    try {
      await entry.feed;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    const held = entry;
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      held.refs--;
      if (held.refs === 0 && this.#feeds.get(held.key) === held) {
        this.#feeds.delete(held.key);
        void held.feed.then((feed) => this.#teardown(held, feed)).catch(() => undefined);
      }
    };
  }

  /** Stops every connection and removes every remote publisher. */
  async close(): Promise<void> {
    const feeds = [...this.#feeds.values()];
    this.#feeds.clear();
    await Promise.allSettled(feeds.map(async (entry) => this.#teardown(entry, await entry.feed)));
    await Promise.allSettled([...this.#links.values()].map((l) => l.connection.stop()));
    this.#links.clear();
  }

  async #createFeed(
    url: string,
    publisherId: string,
    streamType: StreamType,
  ): Promise<JanusRemoteFeed> {
    const link = this.#link(url);
    let feed: JanusRemoteFeed | undefined;
    try {
      await withDeadline(link.ready, REMOTE_PUBLISHER_TIMEOUT_MS);
      const streams = await this.#command(link, {
        type: 'get-publisher-streams',
        clientId: publisherId,
      });
      feed = await this.#o.sfu.newRemoteFeed(
        publisherId,
        streamType,
        checkedStreams(streams.streams),
      );
      await this.#forwarding(link, 'publish-remote', publisherId, feed);
      this.#o.logger.info('remote publisher set up', {
        url,
        publisher: publisherId,
        streamType,
        room: feed.roomId,
      });
      return feed;
    } catch (err) {
      void feed?.close();
      this.#unref(url);
      throw err;
    }
  }

  async #teardown(entry: Feed, feed: JanusRemoteFeed): Promise<void> {
    const link = this.#links.get(entry.url);
    if (link?.connection.ready) {
      await this.#forwarding(link, 'unpublish-remote', entry.publisherId, feed).catch(
        (err: unknown) =>
          this.#o.logger.warn('unpublish-remote failed', { url: entry.url, error: String(err) }),
      );
    }
    await feed.close();
    this.#unref(entry.url);
  }

  /** The shared connection to `url` (one more user). */
  #link(url: string): Link {
    let link = this.#links.get(url);
    if (link === undefined) {
      const connection = new ProxyClientConnection({
        url,
        token: () => this.#o.signer.token(),
        timeoutMs: () => this.#o.timeoutMs,
        skipVerify: false,
        logger: this.#o.logger,
      });
      const ready = new Promise<void>((resolve, reject) => {
        connection.once('ready', () => resolve());
        connection.once('refused', (code) =>
          reject(
            new RemoteStreamError({
              code,
              message: `the proxy at ${url} refused our hello (${code})`,
            }),
          ),
        );
      });
      ready.catch(() => undefined);
      const created: Link = { connection, ready, refs: 0, republish: false };
      connection.on('reset', (why) => this.#linkReset(url, created, why));
      connection.on('ready', (resumed) => this.#linkReady(url, created, resumed));
      link = created;
      this.#links.set(url, link);
      this.#o.logger.info('connecting to remote proxy', { url });
      connection.start();
    }
    link.refs++;
    return link;
  }

  /** The link's session at the other proxy is gone (see the module comment for what follows). */
  #linkReset(url: string, link: Link, why: string): void {
    if (this.#links.get(url) !== link || why === 'connection stopped') {
      return;
    }
    const feeds = this.#liveFeeds(url);
    if (PUBLISHERS_GONE.has(why)) {
      if (feeds.length > 0) {
        this.#o.logger.warn('remote proxy lost its publishers, closing their remote publishers', {
          url,
          why,
          feeds: feeds.length,
        });
      }
      for (const [, feed] of feeds) {
        void feed.close();
      }
      return;
    }
    link.republish = true;
  }

  /** After a lost session, the first fresh one gets every live feed's `publish-remote` again. */
  #linkReady(url: string, link: Link, resumed: boolean): void {
    if (this.#links.get(url) !== link || !link.republish) {
      return;
    }
    link.republish = false;
    if (resumed) {
      return;
    }
    for (const [entry, feed] of this.#liveFeeds(url)) {
      void this.#republish(link, entry, feed);
    }
  }

  async #republish(link: Link, entry: Feed, feed: JanusRemoteFeed): Promise<void> {
    try {
      await this.#forwarding(link, 'publish-remote', entry.publisherId, feed);
      this.#o.logger.info('remote publisher published again on a new session', {
        url: entry.url,
        publisher: entry.publisherId,
        room: feed.roomId,
      });
    } catch (err) {
      if (this.#feeds.get(entry.key) !== entry) {
        return;
      }
      this.#o.logger.warn('could not publish remote publisher again, closing it', {
        url: entry.url,
        publisher: entry.publisherId,
        error: String(err),
      });
      // As when Janus loses it: its subscribers end, the next subscriber sets up a new one.
      void feed.close();
    }
  }

  /** The registered feeds of the link to `url` that are set up, with their remote publishers. */
  #liveFeeds(url: string): [Feed, JanusRemoteFeed][] {
    const out: [Feed, JanusRemoteFeed][] = [];
    for (const entry of this.#feeds.values()) {
      if (entry.url === url && entry.live !== undefined && !entry.live.closed) {
        out.push([entry, entry.live]);
      }
    }
    return out;
  }

  #unref(url: string): void {
    const link = this.#links.get(url);
    if (link === undefined) {
      return;
    }
    link.refs--;
    if (link.refs <= 0) {
      this.#links.delete(url);
      this.#o.logger.info('closing connection to remote proxy', { url });
      void link.connection.stop();
    }
  }

  /** Asks the other proxy to start or stop forwarding `publisherId` to `feed`'s ports here. */
  #forwarding(
    link: Link,
    type: 'publish-remote' | 'unpublish-remote',
    publisherId: string,
    feed: JanusRemoteFeed,
  ): Promise<unknown> {
    return this.#command(link, {
      type,
      clientId: publisherId,
      hostname: this.#o.hostname,
      port: feed.port,
      rtcpPort: feed.rtcpPort,
    });
  }

  async #command(
    link: Link,
    command: {
      type: 'get-publisher-streams' | 'publish-remote' | 'unpublish-remote';
      clientId: string;
      hostname?: string;
      port?: number;
      rtcpPort?: number;
    },
  ): Promise<{ streams?: ProxyPublisherStream[] }> {
    const answer: ProxyServerMessage = await link.connection.request({ type: 'command', command });
    if (answer.type === 'error') {
      throw new RemoteStreamError(answer.error);
    }
    if (answer.type !== 'command') {
      throw new RemoteStreamError({
        code: 'internal_error',
        message: `unexpected answer ${answer.type} from the proxy`,
      });
    }
    return answer.command;
  }
}

/** Rejects with a timeout error (code `timeout`) when `promise` takes longer than `ms`. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new RemoteStreamError({ code: 'timeout', message: 'Timeout creating subscriber.' })),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Most streams a remote publisher may have (one publisher: audio, video, data, some spare). */
const MAX_STREAMS = 16;
const STRING_FIELDS = ['description', 'codec', 'h264_profile', 'vp9_profile'] as const;
const BOOLEAN_FIELDS = ['disabled', 'stereo', 'fec', 'dtx', 'simulcast', 'svc'] as const;
const ID_FIELDS = ['videoorient_ext_id', 'playoutdelay_ext_id'] as const;

/**
 * The streams another proxy described, checked before they go to our Janus: a bounded list of
 * audio/video/data streams with the known fields of their types only.
 */
export function checkedStreams(value: unknown): ProxyPublisherStream[] {
  const bad = (why: string) =>
    new RemoteStreamError({
      code: 'invalid_format',
      message: `invalid publisher streams from the remote proxy: ${why}`,
    });
  if (!Array.isArray(value) || value.length > MAX_STREAMS) {
    throw bad('not a list of at most 16 streams');
  }
  return value.map((raw: unknown) => {
    if (typeof raw !== 'object' || raw === null) {
      throw bad('stream is not an object');
    }
    const s = raw as Record<string, unknown>;
    const { mid, mindex, type } = s;
    if (typeof mid !== 'string' || mid.length === 0 || mid.length > 64) {
      throw bad('mid');
    }
    if (typeof mindex !== 'number' || !Number.isInteger(mindex) || mindex < 0 || mindex > 63) {
      throw bad('mindex');
    }
    if (type !== 'audio' && type !== 'video' && type !== 'data') {
      throw bad('type');
    }
    const stream: ProxyPublisherStream = { mid, mindex, type };
    const out = stream as unknown as Record<string, unknown>;
    for (const field of STRING_FIELDS) {
      const v = s[field];
      if (v !== undefined) {
        if (typeof v !== 'string' || v.length > 64) {
          throw bad(field);
        }
        out[field] = v;
      }
    }
    for (const field of BOOLEAN_FIELDS) {
      const v = s[field];
      if (v !== undefined) {
        if (typeof v !== 'boolean') {
          throw bad(field);
        }
        out[field] = v;
      }
    }
    for (const field of ID_FIELDS) {
      const v = s[field];
      if (v !== undefined) {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
          throw bad(field);
        }
        out[field] = v;
      }
    }
    return stream;
  });
}
