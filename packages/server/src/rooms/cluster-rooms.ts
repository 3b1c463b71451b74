import type { JsonObject } from '@spreed-ts/protocol';
import type { Bus, BusSubscription, ReplyFn } from '../bus/bus.js';
import type { BusMessage, BusMessageOf, RoomOp } from '../bus/messages.js';
import type { Peers } from '../bus/peers.js';
import { Subjects } from '../bus/subjects.js';
import type { Logger } from '../logger.js';
import type { BackendApiCluster } from './backend-api-processor.js';
import type { MembershipCluster } from './membership.js';
import type { MessagingCluster, SessionRelay, UserRelay } from './messaging.js';
import type { Room } from './room.js';
import type { RoomLink } from './room-link.js';
import type { RoomRegistry } from './room-registry.js';

/** How long a new room waits for the other servers' state (upstream's GRPC budget). */
const SYNC_TIMEOUT_MS = 1_000;
/** Rooms per state request when many are fetched at once (after a reconnect). */
const SYNC_BATCH = 100;

/** Options of {@link RoomsCluster}. */
export interface RoomsClusterOptions {
  bus: Bus;
  peers: Peers;
  logger: Logger;
  /** How long a new room waits for the other servers' state (default 1 s). */
  syncTimeoutMs?: number;
}

/** What the cluster hands into the rooms feature. */
export interface RoomsClusterInbound {
  registry: RoomRegistry;
  /** A request Talk sent to another server. */
  backendRequest(backendId: string, roomId: string, body: JsonObject, stamp: bigint): void;
  /** A message for a session (returns false when it is not here). */
  sessionRelay(to: string, relay: SessionRelay): boolean;
  userRelay(relay: UserRelay): void;
  /** A Talk session was taken over elsewhere. */
  kick(roomSessionId: string, exceptPublicId: string): void;
}

/** The bus side of one room here. */
interface Replica {
  subscription: BusSubscription;
  /** Newest op applied per server. */
  lastSeq: Map<string, number>;
  /** State requests in flight; ops arriving meanwhile wait in `buffer`. */
  syncing: number;
  buffer: Array<{ from: string; seq: number; op: RoomOp }>;
}

/**
 * Rooms across the servers of a cluster. Each server keeps its own copy of every room it has
 * members in: its own members plus {@link RemoteMember}s, transient data and Talk's participant
 * list. Changes of local members travel as room ops on the room's subject to the servers that have
 * the room; Talk's backend requests are passed to every server; session, user and takeover
 * messages go to the server concerned or to all.
 *
 * Consistency: a room new here first asks every server for its part of the room (joins wait for
 * that, bounded by 1 s); ops that arrive meanwhile are held back and applied afterwards, skipping
 * those the answers already cover (ops carry a per-server sequence number). When a server appears,
 * reconnects, or this server reconnects, the rooms are fetched again from it (or from all); when a
 * server is gone its members leave every room. Nothing is sent while no other server is known.
 */
export class RoomsCluster
  implements RoomLink, MessagingCluster, MembershipCluster, BackendApiCluster
{
  readonly #o: RoomsClusterOptions;
  readonly #replicas = new Map<Room, Replica>();
  readonly #subscriptions: BusSubscription[] = [];
  #inbound: RoomsClusterInbound | undefined;
  #seq = 0;
  readonly #onAppeared = (peer: string) => void this.#peerAppeared(peer);
  readonly #onGone = (peer: string) => this.#peerGone(peer);
  readonly #onResync = () => void this.#resync();

  constructor(options: RoomsClusterOptions) {
    this.#o = options;
  }

  get active(): boolean {
    return this.#o.peers.size > 0;
  }

  /** Connects the inbound side (the rooms feature is built after the cluster). */
  bind(inbound: RoomsClusterInbound): void {
    this.#inbound = inbound;
  }

  start(): void {
    const { bus, peers } = this.#o;
    this.#subscriptions.push(
      bus.subscribe(Subjects.rooms, (message, _from, reply) => this.#answerSync(message, reply)),
      bus.subscribe(Subjects.server(bus.serverId), (message, _from, reply) =>
        this.#direct(message, reply),
      ),
      bus.subscribe(Subjects.broadcast, (message) => this.#broadcast(message)),
    );
    peers.on('appeared', this.#onAppeared);
    peers.on('restarted', this.#onAppeared);
    peers.on('gone', this.#onGone);
    peers.on('resync', this.#onResync);
  }

  stop(): void {
    const { peers } = this.#o;
    peers.off('appeared', this.#onAppeared);
    peers.off('restarted', this.#onAppeared);
    peers.off('gone', this.#onGone);
    peers.off('resync', this.#onResync);
    for (const subscription of this.#subscriptions.splice(0)) {
      subscription.unsubscribe();
    }
    for (const replica of this.#replicas.values()) {
      replica.subscription.unsubscribe();
    }
    this.#replicas.clear();
  }

  // --- RoomLink -----------------------------------------------------------------------------------

  created(room: Room): void {
    if (!this.active) {
      return;
    }
    this.#attach(room);
    const pending = this.#pull([room], undefined).then(() => {
      if (room.pending === pending) {
        room.pending = undefined;
      }
    });
    room.pending = pending;
  }

  closed(room: Room): void {
    const replica = this.#replicas.get(room);
    if (replica !== undefined) {
      replica.subscription.unsubscribe();
      this.#replicas.delete(room);
    }
  }

  send(room: Room, op: RoomOp): void {
    if (!this.#replicas.has(room)) {
      return;
    }
    this.#o.bus.publish(Subjects.room(room.key), {
      type: 'room-op',
      room: room.key,
      seq: ++this.#seq,
      op,
    });
  }

  // --- outgoing messages --------------------------------------------------------------------------

  forward(backendId: string, roomId: string, body: JsonObject, stamp: bigint): void {
    this.#o.bus.publish(Subjects.broadcast, {
      type: 'backend-request',
      backend: backendId,
      room: roomId,
      stamp: String(stamp),
      request: body,
    });
  }

  toSession(to: string, relay: SessionRelay): void {
    // Straight to its server when it is in one of the rooms here, else to everybody.
    const remote = this.#inbound?.registry.remoteIndex.get(to);
    const subject = remote === undefined ? Subjects.broadcast : Subjects.server(remote.serverId);
    this.#o.bus.publish(subject, { type: 'session-relay', to, ...relay });
  }

  toUsers(relay: UserRelay): void {
    this.#o.bus.publish(Subjects.broadcast, { type: 'user-relay', ...relay });
  }

  kickRoomSession(roomSessionId: string, exceptPublicId: string): void {
    this.#o.bus.publish(Subjects.broadcast, {
      type: 'kick',
      roomsession: roomSessionId,
      except: exceptPublicId,
    });
  }

  // --- incoming messages --------------------------------------------------------------------------

  #broadcast(message: BusMessage): void {
    const inbound = this.#inbound;
    if (inbound === undefined) {
      return;
    }
    switch (message.type) {
      case 'backend-request': {
        let stamp: bigint;
        try {
          stamp = BigInt(message.stamp);
        } catch {
          this.#o.logger.warn('backend request with an invalid stamp dropped');
          return;
        }
        inbound.backendRequest(message.backend, message.room, message.request, stamp);
        return;
      }
      case 'user-relay':
        inbound.userRelay(message);
        return;
      case 'session-relay':
        this.#sessionRelay(message);
        return;
      case 'kick':
        inbound.kick(message.roomsession, message.except);
        return;
      default:
        return;
    }
  }

  #direct(message: BusMessage, reply: ReplyFn | undefined): void {
    if (message.type === 'session-relay') {
      this.#sessionRelay(message);
      return;
    }
    this.#answerSync(message, reply);
  }

  #sessionRelay(message: BusMessageOf<'session-relay'>): void {
    const { to, relay, backend, sender, data, dataJson } = message;
    this.#inbound?.sessionRelay(
      to,
      dataJson === undefined
        ? { relay, backend, sender, data }
        : { relay, backend, sender, data, dataJson },
    );
  }

  #answerSync(message: BusMessage, reply: ReplyFn | undefined): void {
    if (message.type !== 'room-sync' || reply === undefined) {
      return;
    }
    const registry = this.#inbound?.registry;
    reply({
      type: 'room-state',
      seq: this.#seq,
      rooms: message.rooms.map((key) => {
        const room = registry?.byKey(key);
        return room === undefined || room.closed ? { room: key, present: false } : room.state();
      }),
    });
  }

  #roomOp(room: Room, message: BusMessage, from: string): void {
    const replica = this.#replicas.get(room);
    // Ops of servers not heard of yet are skipped: their state is fetched once they announce
    // themselves, and only known servers can be dropped when they die.
    if (message.type !== 'room-op' || replica === undefined || !this.#o.peers.has(from)) {
      return;
    }
    if (replica.syncing > 0) {
      replica.buffer.push({ from, seq: message.seq, op: message.op });
      return;
    }
    this.#apply(room, replica, from, message.seq, message.op);
  }

  #apply(room: Room, replica: Replica, from: string, seq: number, op: RoomOp): void {
    const last = replica.lastSeq.get(from);
    if (last !== undefined && seq <= last) {
      return;
    }
    replica.lastSeq.set(from, seq);
    room.applyOp(from, op);
  }

  // --- state fetching -----------------------------------------------------------------------------

  #attach(room: Room): void {
    if (this.#replicas.has(room) || room.closed) {
      return;
    }
    const subscription = this.#o.bus.subscribe(Subjects.room(room.key), (message, from) =>
      this.#roomOp(room, message, from),
    );
    this.#replicas.set(room, { subscription, lastSeq: new Map(), syncing: 0, buffer: [] });
  }

  /** Fetches the state of `rooms` from one server, or (peer undefined) from all. */
  async #pull(rooms: Room[], peer: string | undefined): Promise<void> {
    const { bus, peers } = this.#o;
    const expected = peer === undefined ? peers.size : 1;
    const wanted = new Map<string, Room>();
    for (const room of rooms) {
      const replica = this.#replicas.get(room);
      if (replica !== undefined) {
        replica.syncing++;
        wanted.set(room.key, room);
      }
    }
    if (wanted.size === 0) {
      return;
    }
    try {
      const replies = await bus.request(
        peer === undefined ? Subjects.rooms : Subjects.server(peer),
        { type: 'room-sync', rooms: [...wanted.keys()] },
        { expected, timeoutMs: this.#o.syncTimeoutMs ?? SYNC_TIMEOUT_MS },
      );
      for (const { from, message } of replies) {
        if (message.type !== 'room-state' || !peers.has(from)) {
          continue;
        }
        for (const state of message.rooms) {
          const room = wanted.get(state.room);
          const replica = room === undefined ? undefined : this.#replicas.get(room);
          if (room === undefined || replica === undefined) {
            continue;
          }
          room.applyState(from, state);
          replica.lastSeq.set(from, Math.max(message.seq, replica.lastSeq.get(from) ?? 0));
        }
      }
    } catch (err) {
      this.#o.logger.warn('fetching room state failed', { error: String(err) });
    } finally {
      for (const room of wanted.values()) {
        const replica = this.#replicas.get(room);
        if (replica === undefined || --replica.syncing > 0) {
          continue;
        }
        for (const held of replica.buffer.splice(0)) {
          this.#apply(room, replica, held.from, held.seq, held.op);
        }
      }
    }
  }

  /** Fetches all rooms here from one server (or all), in batches. */
  async #pullAll(peer: string | undefined): Promise<void> {
    const registry = this.#inbound?.registry;
    if (registry === undefined || !this.active) {
      return;
    }
    const rooms = [...registry.values()].filter((room) => !room.closed);
    for (const room of rooms) {
      this.#attach(room);
    }
    for (let i = 0; i < rooms.length; i += SYNC_BATCH) {
      await this.#pull(rooms.slice(i, i + SYNC_BATCH), peer);
    }
  }

  async #peerAppeared(peer: string): Promise<void> {
    await this.#pullAll(peer);
  }

  async #resync(): Promise<void> {
    this.#o.logger.info('fetching room state again after reconnecting', {
      rooms: this.#inbound?.registry.size ?? 0,
    });
    await this.#pullAll(undefined);
  }

  #peerGone(peer: string): void {
    for (const [room, replica] of this.#replicas) {
      replica.lastSeq.delete(peer);
      room.dropServer(peer);
    }
    if (!this.active) {
      // Alone again: back to the single-server mode where rooms send nothing.
      for (const replica of this.#replicas.values()) {
        replica.subscription.unsubscribe();
      }
      this.#replicas.clear();
    }
  }
}
