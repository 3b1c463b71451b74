import { randomBytes } from 'node:crypto';
import type { ConnectionRelay, Hub, HubCluster } from '../hub/hub.js';
import type { Logger } from '../logger.js';
import { ClientConnection } from '../transport/client-connection.js';
import type { Bus, BusSubscription, ReplyFn } from './bus.js';
import type { BusMessage } from './messages.js';
import type { Peers } from './peers.js';
import { ProxySocket } from './proxy-socket.js';
import { Subjects } from './subjects.js';

/**
 * How long a client's hello waits for the other servers (session counts, the server of a resume
 * id). Every server answers these, so the wait is this long only when one of them is silent: a
 * server that crashed still counts as a peer until it misses its heartbeats (seconds), and the
 * client must not wait for that. Upstream's budgets (1 s and 5 s over GRPC, where a dead server
 * refuses the connection at once) would let the 2 s hello timeout close the client first; this
 * leaves room for it to send a new hello instead. A live server answers in milliseconds.
 */
const CLUSTER_LOOKUP_TIMEOUT_MS = 500;

/** What the link needs from the hub. */
export type ClusterHub = Pick<
  Hub,
  'sessionCount' | 'sessionByResumeId' | 'onText' | 'onBinary' | 'onClose'
>;

/** Options of {@link HubClusterLink}. */
export interface HubClusterLinkOptions {
  bus: Bus;
  peers: Peers;
  hub: ClusterHub;
  logger: Logger;
  /** Lookup budgets (default {@link CLUSTER_LOOKUP_TIMEOUT_MS}). */
  sessionCountTimeoutMs?: number;
  resumeTimeoutMs?: number;
}

/** A client connection here whose session is on `peer`. */
interface Relay {
  peer: string;
  connection: ClientConnection;
  closed: boolean;
}

/** A session here whose client is connected to `peer`. */
interface Owned {
  peer: string;
  socket: ProxySocket;
}

/**
 * The hub's side of the cluster ({@link HubCluster}): cluster-wide session counts for backend
 * session limits, and resuming a session that lives on another server. A resumed connection stays
 * on the server the client reached and is relayed, frame by frame, to the server that holds the
 * session, where it looks like a local connection (upstream does the same over a GRPC stream since
 * 1.3). When either server goes away its relays are closed; the client then resumes again.
 */
export class HubClusterLink implements HubCluster {
  readonly #o: HubClusterLinkOptions;
  readonly #relays = new Map<string, Relay>();
  readonly #owned = new Map<string, Owned>();
  readonly #subscriptions: BusSubscription[] = [];
  readonly #onGone = (peer: string) => this.#peerGone(peer);

  constructor(options: HubClusterLinkOptions) {
    this.#o = options;
  }

  start(): void {
    const { bus } = this.#o;
    this.#subscriptions.push(
      bus.subscribe(Subjects.sessions, (message, _from, reply) => this.#answer(message, reply)),
      bus.subscribe(Subjects.proxy(bus.serverId), (message, from) => this.#proxy(message, from)),
    );
    this.#o.peers.on('gone', this.#onGone);
  }

  get active(): boolean {
    return this.#o.peers.size > 0;
  }

  /** Connections relayed to other servers, and sessions here relayed from other servers. */
  get relayCount(): { outgoing: number; incoming: number } {
    return { outgoing: this.#relays.size, incoming: this.#owned.size };
  }

  async sessionCount(backendId: string): Promise<number> {
    const expected = this.#o.peers.size;
    if (expected === 0) {
      return 0;
    }
    const replies = await this.#o.bus.request(
      Subjects.sessions,
      { type: 'session-count', backend: backendId },
      { expected, timeoutMs: this.#o.sessionCountTimeoutMs ?? CLUSTER_LOOKUP_TIMEOUT_MS },
    );
    let total = 0;
    for (const { message } of replies) {
      if (message.type === 'session-count-reply') {
        total += message.count;
      }
    }
    return total;
  }

  async resume(
    connection: ClientConnection,
    resumeId: string,
    frame: string,
  ): Promise<ConnectionRelay | undefined> {
    const { bus, peers, logger } = this.#o;
    if (peers.size === 0) {
      return undefined;
    }
    const replies = await bus.request(
      Subjects.sessions,
      { type: 'resume-lookup', resumeid: resumeId },
      {
        expected: peers.size,
        timeoutMs: this.#o.resumeTimeoutMs ?? CLUSTER_LOOKUP_TIMEOUT_MS,
        done: (r) => r.message.type === 'resume-lookup-reply' && r.message.sessionid !== undefined,
      },
    );
    const owner = replies.find(
      (r) => r.message.type === 'resume-lookup-reply' && r.message.sessionid !== undefined,
    );
    if (owner === undefined || !connection.isOpen || !peers.has(owner.from)) {
      return undefined;
    }
    const proxy = randomBytes(12).toString('base64url');
    const relay: Relay = { peer: owner.from, connection, closed: false };
    this.#relays.set(proxy, relay);
    bus.publish(Subjects.proxy(owner.from), {
      type: 'proxy-open',
      proxy,
      frame,
      address: connection.remoteAddress,
      useragent: connection.userAgent,
    });
    logger.info('relaying resumed session to its server', {
      session: owner.message.type === 'resume-lookup-reply' ? owner.message.sessionid : undefined,
      peer: owner.from,
      remote: connection.remoteAddress,
    });
    return {
      text: (text) => {
        if (!relay.closed) {
          bus.publish(Subjects.proxy(relay.peer), { type: 'proxy-frame', proxy, text });
        }
      },
      closed: () => {
        if (!relay.closed) {
          relay.closed = true;
          this.#relays.delete(proxy);
          bus.publish(Subjects.proxy(relay.peer), { type: 'proxy-close', proxy });
        }
      },
    };
  }

  /** Requests every server answers. */
  #answer(message: BusMessage, reply: ReplyFn | undefined): void {
    if (reply === undefined) {
      return;
    }
    switch (message.type) {
      case 'session-count':
        reply({ type: 'session-count-reply', count: this.#o.hub.sessionCount(message.backend) });
        return;
      case 'resume-lookup': {
        const session = this.#o.hub.sessionByResumeId(message.resumeid);
        reply(
          session === undefined
            ? { type: 'resume-lookup-reply' }
            : { type: 'resume-lookup-reply', sessionid: session.publicId },
        );
        return;
      }
      default:
        return;
    }
  }

  /** Frames of relayed connections, in both directions. */
  #proxy(message: BusMessage, from: string): void {
    switch (message.type) {
      case 'proxy-open':
        this.#open(from, message.proxy, message.frame, message.address, message.useragent);
        return;
      case 'proxy-frame': {
        const relay = this.#relays.get(message.proxy);
        if (relay !== undefined && relay.peer === from) {
          relay.connection.send(message.text);
          return;
        }
        const owned = this.#owned.get(`${from}/${message.proxy}`);
        if (owned !== undefined) {
          owned.socket.deliver(message.text);
          return;
        }
        // A leftover of a relay that ended here: tell the other side.
        this.#o.bus.publish(Subjects.proxy(from), { type: 'proxy-close', proxy: message.proxy });
        return;
      }
      case 'proxy-close': {
        const relay = this.#relays.get(message.proxy);
        if (relay !== undefined && relay.peer === from) {
          relay.closed = true;
          this.#relays.delete(message.proxy);
          relay.connection.close();
          return;
        }
        this.#owned.get(`${from}/${message.proxy}`)?.socket.remoteClosed();
        return;
      }
      default:
        return;
    }
  }

  /** Another server relays a client to a session here: replay its hello on a stand-in socket. */
  #open(peer: string, proxy: string, frame: string, address: string, userAgent: string): void {
    const key = `${peer}/${proxy}`;
    if (this.#owned.has(key)) {
      return;
    }
    const subject = Subjects.proxy(peer);
    const socket = new ProxySocket(
      (text) => this.#o.bus.publish(subject, { type: 'proxy-frame', proxy, text }),
      () => {
        this.#owned.delete(key);
        this.#o.bus.publish(subject, { type: 'proxy-close', proxy });
      },
    );
    socket.on('close', () => this.#owned.delete(key));
    this.#owned.set(key, { peer, socket });
    // Not `accept`ed: the client already got its welcome from the server it is connected to.
    new ClientConnection(socket.asWebSocket(), address, userAgent, this.#o.hub);
    socket.deliver(frame);
  }

  #peerGone(peer: string): void {
    for (const [proxy, relay] of [...this.#relays]) {
      if (relay.peer === peer) {
        relay.closed = true;
        this.#relays.delete(proxy);
        relay.connection.close();
      }
    }
    for (const owned of [...this.#owned.values()]) {
      if (owned.peer === peer) {
        owned.socket.remoteClosed();
      }
    }
  }

  stop(): void {
    for (const subscription of this.#subscriptions.splice(0)) {
      subscription.unsubscribe();
    }
    this.#o.peers.off('gone', this.#onGone);
  }
}
