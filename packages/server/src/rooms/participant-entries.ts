import { InCallFlags, type JsonObject } from '@spreed-ts/protocol';
import type { JoinEntry } from './events.js';
import type { AnyMember } from './remote-member.js';
import type { RoomMember } from './virtual-session.js';

/** The join entry describing `member` in `join` events (optional fields only when set). */
export function joinEntry(member: RoomMember, sessionDataUserId: string | undefined): JoinEntry {
  if (member.kind === 'virtual') {
    const entry: JoinEntry = { sessionid: member.publicId, userid: member.userId };
    if (member.user !== undefined && member.user !== null) {
      entry.user = member.user;
    }
    return entry;
  }
  const session = member.session;
  const entry: JoinEntry = {
    sessionid: member.publicId,
    userid: session.userId !== '' ? session.userId : (sessionDataUserId ?? ''),
  };
  if (session.featureList.length > 0) {
    entry.features = [...session.featureList];
  }
  if (session.user !== undefined && session.user !== null) {
    entry.user = session.user;
  }
  if (member.roomSessionId !== '') {
    entry.roomsessionid = member.roomSessionId;
  }
  if (member.isFederated) {
    entry.federated = true;
  }
  return entry;
}

/**
 * Adds what only the signaling server knows to a participant list from Talk (upstream's
 * addInternalSessions, which also asks the other servers): user ids from join session data for
 * entries without one, the virtual marker and in-call state for Talk's entries of virtual sessions,
 * and one entry per internal and per (not yet listed) virtual member, here or on other servers.
 * Entries are copied, never modified.
 */
export function addInternalEntries(
  users: readonly JsonObject[],
  members: Iterable<AnyMember>,
  sessionData: ReadonlyMap<string, string>,
): JsonObject[] {
  const byId = new Map<string, AnyMember>();
  const internal: AnyMember[] = [];
  const virtuals: AnyMember[] = [];
  for (const member of members) {
    byId.set(member.publicId, member);
    if (isVirtual(member)) {
      virtuals.push(member);
    } else if (isInternal(member)) {
      internal.push(member);
    }
  }
  if (users.length === 0 && internal.length === 0 && virtuals.length === 0) {
    return [];
  }
  const now = Math.floor(Date.now() / 1000);
  const listed = new Set<string>();
  const result = users.map((user) => {
    const sid = user.sessionId;
    if (
      typeof sid !== 'string' ||
      sid === '' ||
      (user.userId !== undefined && user.userId !== '')
    ) {
      return user;
    }
    const dataUserId = sessionData.get(sid);
    if (dataUserId !== undefined) {
      return { ...user, userId: dataUserId };
    }
    const member = byId.get(sid);
    if (member !== undefined && isVirtual(member)) {
      listed.add(sid);
      return { ...user, virtual: true, inCall: member.inCall };
    }
    return user;
  });
  for (const p of internal) {
    const entry: JsonObject = {
      inCall: p.inCall,
      sessionId: p.publicId,
      lastPing: now,
      internal: true,
    };
    const features =
      p.kind === 'remote' ? p.state.features : p.kind === 'session' ? p.session.featureList : [];
    if (features.length > 0) {
      entry.features = [...features];
    }
    result.push(entry);
  }
  for (const v of virtuals) {
    if (!listed.has(v.publicId)) {
      listed.add(v.publicId);
      result.push({ inCall: v.inCall, sessionId: v.publicId, lastPing: now, virtual: true });
    }
  }
  return result;
}

/** Whether a member is a virtual session (here or on another server). */
export function isVirtual(member: AnyMember): boolean {
  return member.kind === 'virtual' || (member.kind === 'remote' && member.isVirtual);
}

/** Whether a member is an internal client (here or on another server). */
export function isInternal(member: AnyMember): boolean {
  return member.kind === 'virtual' ? false : member.isInternal;
}

/** The entry without its `permissions` key (never shown to clients). */
export function stripPermissions(entry: JsonObject): JsonObject {
  if (!Object.hasOwn(entry, 'permissions')) {
    return entry;
  }
  const { permissions: _removed, ...rest } = entry;
  return rest;
}

/** Talk's `inCall` value: a boolean, or flags whose bit 1 means "in the call". */
export function parseInCall(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return (Math.trunc(value) & InCallFlags.inCall) !== 0;
  }
  return undefined;
}
