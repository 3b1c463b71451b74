import { InCallFlags, type JsonObject, type ServerMessage } from '@spreed-ts/protocol';
import type { Backend } from '../backend/backend-registry.js';
import type { MemberState, RoomOp, RoomState } from '../bus/messages.js';
import { Delivery, inCallAllFrame, type RawFrame, type RoomEvent, roomFrame } from './events.js';
import { eventTime, type Participant } from './participant.js';
import {
  addInternalEntries,
  joinEntry,
  parseInCall,
  stripPermissions,
} from './participant-entries.js';
import { type AnyMember, memberState, type RemoteMember } from './remote-member.js';
import { RemoteMembers } from './remote-members.js';
import type { RoomLink } from './room-link.js';
import type { MemberTypeLabel, RoomObserver } from './room-observer.js';
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
  /** The same room on the other servers of a cluster. */
  link?: RoomLink;
  /** Members on other servers by public id, across all rooms (kept up to date by the room). */
  remoteIndex?: Map<string, RemoteMember>;
  /** Metrics of rooms, members and calls. */
  observer?: RoomObserver;
}

function typeLabel(member: RoomMember): MemberTypeLabel {
  return member.kind === 'virtual' ? 'virtual' : member.session.clientType;
}

/**
 * One room of one backend on this server: its members (client, internal and virtual sessions), who
 * is in the call, the properties and participant list Talk last sent, and the transient data.
 * Created by the first join, closed when the last member leaves or Talk deletes it.
 *
 * In a cluster the room also knows the members the same room has on the other servers
 * ({@link RemoteMember}s): they appear in join lists, participant lists and call checks, and
 * their servers' room ops keep them current. Changes of local members and transient data are
 * reported to the {@link RoomLink}.
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
  readonly #link: RoomLink | undefined;
  readonly #remote: RemoteMembers;
  readonly #observer: RoomObserver | undefined;
  #closed = false;
  /** Set while the room's state is fetched from the other servers; joins wait for it. */
  pending: Promise<void> | undefined;

  constructor(options: RoomOptions) {
    this.id = options.id;
    this.backend = options.backend;
    this.key = roomKey(options.backend.id, options.id);
    this.properties = options.properties ?? undefined;
    this.transient = new TransientData(options.scheduler ?? realScheduler);
    this.#onClosed = options.onClosed;
    this.#link = options.link;
    this.#remote = new RemoteMembers(options.remoteIndex ?? new Map());
    this.#observer = options.observer;
    this.#observer?.roomCreated(this.backend.id);
  }

  /** Whether changes are passed on to other servers right now. */
  get replicated(): boolean {
    return this.#link?.active === true && !this.#closed;
  }

  #send(op: RoomOp): void {
    if (this.#link?.active === true) {
      this.#link.send(this, op);
    }
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

  /** The members on other servers. */
  get remoteMembers(): ReadonlyMap<string, RemoteMember> {
    return this.#remote.map;
  }

  /** Local and remote members. */
  *allMembers(): Generator<AnyMember> {
    yield* this.#members.values();
    yield* this.#remote.values();
  }

  /** The user id Talk assigned to an anonymous member in its join response. */
  sessionData(publicId: string): string | undefined {
    return this.#sessionData.get(publicId);
  }

  /** Whether `member` is in the call. */
  isInCall(member: AnyMember): boolean {
    return member.kind === 'remote'
      ? this.#remote.isInCall(member)
      : this.#inCall.has(member as RoomMember);
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
    this.#observer?.sessionJoined(this.backend.id, this.id, typeLabel(member));
    if (sessionDataUserId !== undefined) {
      this.#sessionData.set(member.publicId, sessionDataUserId);
    }
    if (member.kind === 'session') {
      this.transient.addListener(member);
    }
    this.publish({ kind: 'join', entries: [joinEntry(member, sessionDataUserId)] });
    if (this.replicated) {
      this.#send({ type: 'join', member: memberState(member, this) });
    }
    if (member.kind === 'virtual') {
      this.publishUsersWithInternal();
      if (member.flags !== 0) {
        this.publishFlags(member);
      }
      return;
    }
    const others = [...this.#members.values()].filter((m) => m !== member);
    if (others.length > 0 || this.#remote.size > 0) {
      const entries = others.map((m) => joinEntry(m, this.#sessionData.get(m.publicId)));
      for (const remote of this.#remote.values()) {
        entries.push(remote.state.entry);
      }
      this.publishTo(member, { kind: 'join', entries });
      for (const other of others) {
        if (other.kind === 'virtual' && other.flags !== 0) {
          this.publishTo(member, this.#flagsEvent(other.publicId, other.flags));
        }
      }
      for (const remote of this.#remote.values()) {
        if (remote.isVirtual && remote.flags !== 0) {
          this.publishTo(member, this.#flagsEvent(remote.publicId, remote.flags));
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
    this.#left(member);
    if (member.kind === 'virtual') {
      // Talk may list the virtual session too; it is gone now.
      this.#users = this.#users.filter((u) => u.sessionId !== member.publicId);
    } else {
      this.transient.removeListener(member);
    }
    this.#sessionData.delete(member.publicId);
    // Upstream publishes the leave for the other servers even when the room closes here.
    this.#send({ type: 'leave', sessionid: member.publicId });
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
    for (const member of members) {
      this.#left(member);
    }
    this.#close();
    return members;
  }

  /** Metrics and call set for a member that is gone from the room. */
  #left(member: RoomMember): void {
    this.removeFromCall(member);
    this.#observer?.sessionLeft(this.backend.id, this.id, typeLabel(member));
  }

  #close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#inCall.clear();
    this.#remote.clear();
    this.transient.close();
    this.#observer?.roomClosed(this.backend.id, this.id);
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
    this.#observer?.sessionJoinedCall(this.backend.id, this.id, typeLabel(member));
    return true;
  }

  /** Removes from the call set; returns whether it was in the call. */
  removeFromCall(member: RoomMember): boolean {
    if (!this.#inCall.delete(member)) {
      return false;
    }
    this.#observer?.sessionLeftCall(this.backend.id, this.id, typeLabel(member));
    return true;
  }

  /** Replaces the stored participant list (Talk's `incall` users). */
  setUsers(users: JsonObject[]): void {
    this.#users = users;
  }

  /**
   * The participant list with what only the signaling server knows (see {@link addInternalEntries}).
   */
  withInternal(users: readonly JsonObject[]): JsonObject[] {
    return addInternalEntries(users, this.allMembers(), this.#sessionData);
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
        const remote = this.#remote.get(sid);
        if (remote !== undefined) {
          this.#remote.setCall(remote, inCall);
        }
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
    // The other servers apply the same request to their members; keep this copy in step.
    const joining = (inCall & InCallFlags.inCall) !== 0;
    for (const remote of this.#remote.values()) {
      if (remote.role === 'client' || !joining) {
        this.#remote.setCall(remote, joining);
      }
    }
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
      for (const member of left) {
        this.removeFromCall(member);
      }
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
    if ((flagsChanged || inCallChanged) && this.has(member)) {
      this.#send({
        type: 'change',
        sessionid: member.publicId,
        incall: member.inCall,
        flags: member.kind === 'virtual' ? member.flags : 0,
        call: this.isInCall(member),
      });
    }
  }

  #flagsEvent(sessionid: string, flags: number): RoomEvent {
    return { kind: 'flags', roomid: this.id, sessionid, flags };
  }

  /** Publishes the flags of a virtual member. */
  publishFlags(member: VirtualSession): void {
    this.publish(this.#flagsEvent(member.publicId, member.flags));
  }

  // --- replicated data ---------------------------------------------------------------------------

  /** Sets transient data here and on the other servers (a client or dial-out request). */
  setTransient(key: string, value: unknown, ttlNs: number): void {
    this.transient.set(key, value, ttlNs);
    if (value === undefined || value === null) {
      this.#send({ type: 'transient-remove', key });
    } else {
      this.#send({ type: 'transient-set', key, value, ttl: Math.max(ttlNs, 0) });
    }
  }

  /** Removes transient data here and on the other servers. */
  removeTransient(key: string): void {
    this.transient.remove(key);
    this.#send({ type: 'transient-remove', key });
  }

  /** Tells the other servers that a local member's details changed (e.g. its Talk session). */
  memberUpdated(member: RoomMember): void {
    if (this.replicated && this.has(member)) {
      this.#send({ type: 'join', member: memberState(member, this) });
    }
  }

  /** Sends a frame to every member here and on the other servers (e.g. dial-out reports). */
  publishFrame(message: ServerMessage | RawFrame): void {
    this.publish({ kind: 'frame', message });
    if (this.replicated) {
      this.#send({ type: 'frame', text: JSON.stringify(message) });
    }
  }

  /**
   * Passes a `message`/`control` for the room (or its call) to the other servers; local
   * receivers are served by the caller.
   */
  relay(call: boolean, sender: string, text: string, nickChanged: boolean): void {
    if (this.replicated) {
      this.#send({ type: 'relay', call, sender, text, nick: nickChanged });
    }
  }

  // --- members on other servers -----------------------------------------------------------------

  /** The state of this room here, for a server that asks (its own members only). */
  state(): RoomState {
    return {
      room: this.key,
      present: true,
      members: [...this.#members.values()].map((m) => memberState(m, this)),
      transient: this.transient.entries(),
      users: this.#users,
    };
  }

  /** Public ids of the members on other servers, by Talk session id. */
  remoteRoomSessions(): Map<string, string> {
    return this.#remote.roomSessions();
  }

  /** Applies a change another server made to this room. */
  applyOp(serverId: string, op: RoomOp): void {
    if (this.#closed) {
      return;
    }
    switch (op.type) {
      case 'join':
        this.#addRemote(serverId, op.member);
        return;
      case 'leave':
        this.#removeRemote(serverId, op.sessionid);
        return;
      case 'change':
        this.#changeRemote(serverId, op.sessionid, op.incall, op.flags, op.call);
        return;
      case 'transient-set':
        this.transient.set(op.key, op.value, op.ttl);
        return;
      case 'transient-remove':
        this.transient.remove(op.key);
        return;
      case 'relay': {
        const delivery = new Delivery(
          { kind: 'text', text: op.text, nickChanged: op.nick },
          eventTime(),
        );
        for (const p of this.participants()) {
          if (p.publicId !== op.sender && (!op.call || this.#inCall.has(p))) {
            delivery.sendTo(p);
          }
        }
        return;
      }
      case 'frame':
        this.publish({ kind: 'text', text: op.text, nickChanged: false });
        return;
    }
  }

  /**
   * Replaces what is known about `serverId`'s members with its answer to a state request: members
   * it no longer reports leave, new ones join; its transient data is merged in.
   */
  applyState(serverId: string, state: RoomState): void {
    if (this.#closed) {
      return;
    }
    const reported = new Set(state.present ? state.members.map((m) => m.sessionid) : []);
    for (const remote of this.#remote.ofServer(serverId)) {
      if (!reported.has(remote.publicId)) {
        this.#removeRemote(serverId, remote.publicId);
      }
    }
    if (!state.present) {
      return;
    }
    for (const member of state.members) {
      this.#addRemote(serverId, member);
    }
    for (const entry of state.transient) {
      this.transient.set(entry.key, entry.value, entry.ttl);
    }
    if (this.#users.length === 0 && state.users.length > 0) {
      this.#users = state.users;
    }
  }

  /** Forgets the members of a server that is gone (the others see them leave). */
  dropServer(serverId: string): void {
    for (const remote of this.#remote.ofServer(serverId)) {
      this.#removeRemote(serverId, remote.publicId);
    }
  }

  #addRemote(serverId: string, state: MemberState): void {
    const id = state.sessionid;
    if (this.#members.has(id)) {
      return;
    }
    const previous = this.#remote.get(id);
    if (previous?.serverId === serverId) {
      // Known already (e.g. from a state answer): an update, not a second join.
      previous.state = { ...state, flags: previous.flags, incall: previous.inCall };
      this.#changeRemote(serverId, id, state.incall, state.flags, state.call);
      return;
    }
    if (previous !== undefined) {
      // Moved to another server (a resume elsewhere never does that, but be safe).
      this.#removeRemote(previous.serverId, id);
    }
    const remote = this.#remote.add(this, serverId, state);
    if (state.userdata !== undefined) {
      this.#sessionData.set(id, state.userdata);
    }
    this.publish({ kind: 'join', entries: [state.entry] });
    if (remote.isVirtual) {
      this.publishUsersWithInternal();
      if (remote.flags !== 0) {
        this.publish(this.#flagsEvent(id, remote.flags));
      }
    } else if (remote.isInternal) {
      this.publishUsersWithInternal();
    }
  }

  #removeRemote(serverId: string, id: string): void {
    const remote = this.#remote.get(id);
    if (remote === undefined || remote.serverId !== serverId) {
      return;
    }
    this.#remote.delete(remote);
    this.#sessionData.delete(id);
    if (remote.isVirtual) {
      this.#users = this.#users.filter((u) => u.sessionId !== id);
    }
    this.transient.remove(SESSION_DATA_PREFIX + id);
    this.publish({ kind: 'leave', ids: [id] });
    if (remote.isInternal) {
      this.publishUsersWithInternal();
    }
  }

  #changeRemote(serverId: string, id: string, inCall: number, flags: number, call: boolean): void {
    const remote = this.#remote.get(id);
    if (remote === undefined || remote.serverId !== serverId) {
      return;
    }
    const { flagsChanged, inCallChanged } = this.#remote.update(remote, inCall, flags, call);
    if (flagsChanged && remote.isVirtual) {
      this.publish(this.#flagsEvent(id, flags));
    }
    if (inCallChanged && (remote.isVirtual || remote.isInternal)) {
      this.publishUsersWithInternal();
    }
  }
}
