import { InCallFlags, type JsonObject } from '@spreed-ts/protocol';
import type { Backend } from '../backend/backend-registry.js';
import { Delivery, inCallAllFrame, type RoomEvent, roomFrame } from './events.js';
import { eventTime, type Participant } from './participant.js';
import {
  addInternalEntries,
  joinEntry,
  parseInCall,
  stripPermissions,
} from './participant-entries.js';
import { realScheduler, type Scheduler } from './scheduler.js';
import { SESSION_DATA_PREFIX, TransientData } from './transient-data.js';
import type { RoomMember, VirtualSession } from './virtual-session.js';

/** The key of a room: rooms of different backends never mix. */
export function roomKey(backendId: string, roomId: string): string {
  return `${backendId}|${roomId}`;
}

/** What a room needs from its owner. */
export interface RoomOptions {
  id: string;
  backend: Backend;
  properties: unknown;
  scheduler?: Scheduler;
  /** The last member left or the room was closed: the owner forgets it. */
  onClosed: (room: Room) => void;
}

/**
 * One room of one backend on this server: its members (client, internal and virtual sessions), who
 * is in the call, the properties and participant list Talk last sent, and the transient data.
 * Created by the first join, closed when the last member leaves or Talk deletes it.
 */
export class Room {
  readonly id: string;
  readonly backend: Backend;
  readonly key: string;
  /** Properties from Talk (opaque JSON); undefined when there are none. */
  properties: unknown;
  readonly transient: TransientData;
  readonly #members = new Map<string, RoomMember>();
  readonly #inCall = new Set<RoomMember>();
  /** User ids from the `session` data of Talk's join responses, by public id. */
  readonly #sessionData = new Map<string, string>();
  /** The participant list of Talk's last `incall` request. */
  #users: JsonObject[] = [];
  /** Newest receive stamp processed per backend request type (the ordering rule). */
  readonly #lastRequest = new Map<string, bigint>();
  readonly #onClosed: (room: Room) => void;
  #closed = false;

  constructor(options: RoomOptions) {
    this.id = options.id;
    this.backend = options.backend;
    this.key = roomKey(options.backend.id, options.id);
    this.properties = options.properties ?? undefined;
    this.transient = new TransientData(options.scheduler ?? realScheduler);
    this.#onClosed = options.onClosed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** All members. */
  get members(): ReadonlyMap<string, RoomMember> {
    return this.#members;
  }

  /** Members that receive frames (client, federation and internal sessions). */
  *participants(): Generator<Participant> {
    for (const member of this.#members.values()) {
      if (member.kind === 'session') {
        yield member;
      }
    }
  }

  /** Virtual members. */
  *virtuals(): Generator<VirtualSession> {
    for (const member of this.#members.values()) {
      if (member.kind === 'virtual') {
        yield member;
      }
    }
  }

  has(member: RoomMember): boolean {
    return this.#members.get(member.publicId) === member;
  }

  /** The user id Talk assigned to an anonymous member in its join response. */
  sessionData(publicId: string): string | undefined {
    return this.#sessionData.get(publicId);
  }

  /** Whether `member` is in the call. */
  isInCall(member: RoomMember): boolean {
    return this.#inCall.has(member);
  }

  /** The stored participant list (after {@link setUsers}). */
  get users(): readonly JsonObject[] {
    return this.#users;
  }

  // --- publishing -------------------------------------------------------------------------------

  /** Delivers `event` to every receiving member (in-process stand-in for the room subject). */
  publish(event: RoomEvent): void {
    const delivery = new Delivery(event, eventTime());
    for (const participant of this.participants()) {
      delivery.sendTo(participant);
    }
  }

  /** Delivers `event` to one member only (upstream's per-session subject). */
  publishTo(receiver: Participant, event: RoomEvent): void {
    new Delivery(event, eventTime()).sendTo(receiver);
  }

  // --- membership -------------------------------------------------------------------------------

  /**
   * Adds a member and announces it (upstream's AddSession plus its "session joined" follow-up):
   * initial transient data for the joiner, the join to everybody, then the joiner learns about the
   * others and the virtual sessions' flags; internal and virtual joins also update the participant
   * list.
   */
  add(member: RoomMember, sessionDataUserId: string | undefined): void {
    if (this.#closed || this.#members.has(member.publicId)) {
      return;
    }
    this.#members.set(member.publicId, member);
    if (sessionDataUserId !== undefined) {
      this.#sessionData.set(member.publicId, sessionDataUserId);
    }
    if (member.kind === 'session') {
      this.transient.addListener(member);
    }
    this.publish({ kind: 'join', entries: [joinEntry(member, sessionDataUserId)] });
    if (member.kind === 'virtual') {
      this.publishUsersWithInternal();
      if (member.flags !== 0) {
        this.publishFlags(member);
      }
      return;
    }
    const others = [...this.#members.values()].filter((m) => m !== member);
    if (others.length > 0) {
      this.publishTo(member, {
        kind: 'join',
        entries: others.map((m) => joinEntry(m, this.#sessionData.get(m.publicId))),
      });
      for (const other of others) {
        if (other.kind === 'virtual' && other.flags !== 0) {
          this.publishTo(member, this.#flagsEvent(other));
        }
      }
    }
    if (member.isInternal) {
      this.publishUsersWithInternal();
    }
  }

  /**
   * Removes a member: the others get a leave event and lose its `sd:` transient key; internal
   * leaves update the participant list. The last member leaving closes the room. Returns whether
   * members remain.
   */
  remove(member: RoomMember): boolean {
    if (!this.has(member)) {
      return !this.#closed;
    }
    this.#members.delete(member.publicId);
    if (member.kind === 'virtual') {
      // Talk may list the virtual session too; it is gone now.
      this.#users = this.#users.filter((u) => u.sessionId !== member.publicId);
    } else {
      this.transient.removeListener(member);
    }
    this.#inCall.delete(member);
    this.#sessionData.delete(member.publicId);
    if (this.#members.size === 0) {
      this.#close();
      return false;
    }
    this.transient.remove(SESSION_DATA_PREFIX + member.publicId);
    this.publish({ kind: 'leave', ids: [member.publicId] });
    if (member.kind === 'session' && member.isInternal) {
      this.publishUsersWithInternal();
    }
    return true;
  }

  /**
   * Closes the room without leave events (Talk deleted it). Returns the former members; the caller
   * detaches them.
   */
  close(): RoomMember[] {
    const members = [...this.#members.values()];
    this.#members.clear();
    this.#close();
    return members;
  }

  #close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#inCall.clear();
    this.transient.close();
    this.#onClosed(this);
  }

  // --- properties, ordering -----------------------------------------------------------------------

  /** Stores new properties and announces them, unless they are unchanged. */
  updateProperties(properties: unknown): void {
    const empty = (p: unknown) => p === undefined || p === null;
    if (empty(this.properties) && empty(properties)) {
      return;
    }
    if (!empty(this.properties) && !empty(properties)) {
      if (JSON.stringify(this.properties) === JSON.stringify(properties)) {
        return;
      }
    }
    this.properties = empty(properties) ? undefined : properties;
    this.publish({ kind: 'frame', message: roomFrame(this.id, this.properties) });
  }

  /**
   * Upstream's ordering rule for backend requests: a request of a type older than the newest one
   * of that type already processed in this room is dropped. Returns whether to process it.
   */
  acceptRequest(type: string, receivedAt: bigint): boolean {
    const last = this.#lastRequest.get(type);
    if (last !== undefined && last > receivedAt) {
      return false;
    }
    this.#lastRequest.set(type, receivedAt);
    return true;
  }

  // --- call state, participants -----------------------------------------------------------------

  /** Adds to the call set; returns whether it was added. */
  addToCall(member: RoomMember): boolean {
    if (this.#inCall.has(member) || !this.has(member)) {
      return false;
    }
    this.#inCall.add(member);
    return true;
  }

  /** Removes from the call set; returns whether it was in the call. */
  removeFromCall(member: RoomMember): boolean {
    return this.#inCall.delete(member);
  }

  /** Replaces the stored participant list (Talk's `incall` users). */
  setUsers(users: JsonObject[]): void {
    this.#users = users;
  }

  /**
   * The participant list with what only the signaling server knows (see {@link addInternalEntries}).
   */
  withInternal(users: readonly JsonObject[]): JsonObject[] {
    return addInternalEntries(users, this.#members.values(), this.#sessionData);
  }

  /** The participants update a resuming session gets, or undefined when the list is empty. */
  participantsEvent(): RoomEvent | undefined {
    const users = this.withInternal(this.#users.map(stripPermissions));
    return users.length > 0 ? { kind: 'participants', roomid: this.id, users } : undefined;
  }

  /** Publishes the stored list plus internal/virtual entries, if that is not empty. */
  publishUsersWithInternal(): void {
    const event = this.participantsEvent();
    if (event) {
      this.publish(event);
    }
  }

  /**
   * Publishes a participants update from Talk: `changed` entries not already in `users` are
   * appended (clients never see `changed`), `permissions` keys are removed.
   */
  publishParticipants(changed: readonly JsonObject[], users: readonly JsonObject[]): void {
    const merged = this.withInternal(users.map(stripPermissions));
    const listed = new Set(merged.map((u) => u.sessionId));
    for (const entry of changed) {
      if (!listed.has(entry.sessionId)) {
        merged.push(stripPermissions(entry));
      }
    }
    this.publish({ kind: 'participants', roomid: this.id, users: merged });
  }

  /**
   * Talk's `incall` update: the list is stored, `changed` entries move local sessions into or out
   * of the call, then everybody gets the update.
   */
  publishInCallChanged(changed: readonly JsonObject[], users: readonly JsonObject[]): RoomMember[] {
    this.setUsers([...users]);
    const left: RoomMember[] = [];
    for (const entry of changed) {
      const inCall = parseInCall(entry.inCall);
      const sid = typeof entry.sessionId === 'string' ? entry.sessionId : entry.sessionid;
      if (inCall === undefined || typeof sid !== 'string') {
        continue;
      }
      const member = this.#members.get(sid);
      if (member === undefined) {
        continue;
      }
      if (inCall) {
        this.addToCall(member);
      } else if (this.removeFromCall(member)) {
        left.push(member);
      }
    }
    this.publishParticipants(changed, users);
    return left;
  }

  /**
   * Talk's `incall` "all" form: everybody (but internal and federated sessions) joins, or the call
   * ends for everybody. Sent directly, only when something changed. Returns who left the call.
   */
  publishInCallAll(inCall: number): RoomMember[] {
    this.#users = this.#users.map((u) => ({ ...u, inCall }));
    const notify: Participant[] = [];
    const left: RoomMember[] = [];
    if ((inCall & InCallFlags.inCall) !== 0) {
      let joined = 0;
      for (const p of this.participants()) {
        if (p.isInternal || p.isFederated) {
          continue;
        }
        if (this.addToCall(p)) {
          joined++;
        }
        notify.push(p);
      }
      if (joined === 0) {
        return left;
      }
    } else if (this.#inCall.size > 0) {
      notify.push(...this.participants());
      left.push(...this.#inCall);
      this.#inCall.clear();
    } else {
      return left;
    }
    const delivery = new Delivery(
      { kind: 'frame', message: inCallAllFrame(this.id, inCall) },
      eventTime(),
      true,
    );
    for (const p of notify) {
      delivery.sendTo(p);
    }
    return left;
  }

  /**
   * An internal client or virtual session changed its flags and/or in-call state
   * (upstream's NotifySessionChanged).
   */
  memberChanged(member: RoomMember, flagsChanged: boolean, inCallChanged: boolean): void {
    if (flagsChanged && member.kind === 'virtual') {
      this.publishFlags(member);
    }
    if (inCallChanged) {
      if ((member.inCall & InCallFlags.inCall) !== 0) {
        this.addToCall(member);
      } else {
        this.removeFromCall(member);
      }
      this.publishUsersWithInternal();
    }
  }

  #flagsEvent(member: VirtualSession): RoomEvent {
    return { kind: 'flags', roomid: this.id, sessionid: member.publicId, flags: member.flags };
  }

  /** Publishes the flags of a virtual member. */
  publishFlags(member: VirtualSession): void {
    this.publish(this.#flagsEvent(member));
  }
}
