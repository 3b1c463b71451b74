import { type EventBody, InCallFlags } from '@spreed-ts/protocol';
import { isObject, type JsonObject, numField, optStr } from '../util/json.js';

/** Someone in the conversation, as the signaling server describes them. */
export interface Participant {
  /** Signaling session id: the only valid target for offers, answers and `requestoffer`. */
  readonly sessionId: string;
  /** Talk (Nextcloud) session id, when known; never a signaling target. */
  nextcloudSessionId?: string;
  /** In-call flags: 1 in call, 2 audio, 4 video, 8 phone (0 = not in the call). */
  inCall: number;
  userId?: string;
  actorType?: string;
  actorId?: string;
  /** Display name from Talk, the join event's user data, or the peer's `nick`. */
  displayName?: string;
  participantType?: number;
  /** An internal client (recording server, SIP bridge …). */
  internal?: boolean;
  /** A virtual session (phone participant of a SIP bridge). */
  virtual?: boolean;
}

/** What one event changed. */
export interface RosterDiff {
  /** Sessions seen for the first time. */
  joined: Participant[];
  /** Sessions that left the room. */
  left: Participant[];
  /** Sessions whose in-call flags changed, with the flags before. */
  callChanged: Array<{ participant: Participant; before: number }>;
}

/** Whether in-call flags mean "in the call". */
export function isInCall(flags: number): boolean {
  return (flags & InCallFlags.inCall) !== 0;
}

/** Whether in-call flags mean "in the call with audio or video" (the Talk client's `userHasStreams`). */
export function hasStreams(flags: number): boolean {
  return isInCall(flags) && (flags & (InCallFlags.withAudio | InCallFlags.withVideo)) !== 0;
}

/**
 * What another participant sends now, when a change of their in-call flags changed it; undefined
 * for our own session, internal clients, a participant not (or no longer) in the call, and a
 * change of other flags than audio and video.
 */
export function mediaChange(
  change: RosterDiff['callChanged'][number],
  ownSessionId: string | undefined,
): { audio: boolean; video: boolean } | undefined {
  const { participant, before } = change;
  const flags = participant.inCall;
  if (participant.sessionId === ownSessionId || participant.internal === true || !isInCall(flags)) {
    return undefined;
  }
  const media = (f: number) =>
    isInCall(f) ? f & (InCallFlags.withAudio | InCallFlags.withVideo) : -1;
  if (media(flags) === media(before)) {
    return undefined;
  }
  return {
    audio: (flags & InCallFlags.withAudio) !== 0,
    video: (flags & InCallFlags.withVideo) !== 0,
  };
}

/** A short human name for status lines. */
export function participantName(p: Participant): string {
  return p.displayName || p.actorId || p.userId || `session ${p.sessionId.slice(0, 8)}`;
}

/**
 * The room's participants keyed by signaling session id. Like the Talk web client it MERGES every
 * `participants/update` into what it knew (servers that advertise `changed-users` send only the
 * changed entries), takes names from `room/join` events and peers' nicks, and removes sessions on
 * `room/leave`. Guests cannot list participants over OCS, so this is their only roster.
 */
export class Roster {
  readonly #entries = new Map<string, Participant>();
  #ownSessionId: string | undefined;

  /** Our own signaling session id (the roster entry that says whether we are in the call). */
  get ownSessionId(): string | undefined {
    return this.#ownSessionId;
  }

  /** Starts over for a new signaling session (after a failed resume, entries are stale). */
  reset(ownSessionId: string): void {
    this.#entries.clear();
    this.#ownSessionId = ownSessionId;
  }

  /** Our own entry, once the server listed us. */
  get own(): Participant | undefined {
    return this.#ownSessionId === undefined ? undefined : this.#entries.get(this.#ownSessionId);
  }

  /** Whether the server lists our own session in the call. */
  get selfInCall(): boolean {
    return isInCall(this.own?.inCall ?? 0);
  }

  get(sessionId: string): Participant | undefined {
    return this.#entries.get(sessionId);
  }

  /** Everybody but us. */
  others(): Participant[] {
    return [...this.#entries.values()].filter((p) => p.sessionId !== this.#ownSessionId);
  }

  /** Everybody but us who is in the call. */
  othersInCall(): Participant[] {
    return this.others().filter((p) => isInCall(p.inCall));
  }

  /** Records a peer's nick (from offers and `nickChanged`); returns whether it changed. */
  setNick(sessionId: string, nick: string): boolean {
    const entry = this.#entries.get(sessionId);
    if (entry === undefined || nick === '' || entry.displayName === nick) {
      return false;
    }
    entry.displayName = nick;
    return true;
  }

  /** Applies one signaling `event`; returns the changes (undefined for unrelated events). */
  apply(event: EventBody): RosterDiff | undefined {
    const diff: RosterDiff = { joined: [], left: [], callChanged: [] };
    if (event.target === 'room' && event.type === 'join') {
      for (const entry of event.join ?? []) {
        const user = isObject(entry.user) ? entry.user : undefined;
        const displayName = user === undefined ? undefined : optStr(user, 'displayname');
        this.#upsert(diff, entry.sessionid, {
          ...(entry.userid === '' ? {} : { userId: entry.userid }),
          ...(entry.roomsessionid === undefined ? {} : { nextcloudSessionId: entry.roomsessionid }),
          ...(displayName === undefined || displayName === '' ? {} : { displayName }),
        });
      }
      return diff;
    }
    if (event.target === 'room' && event.type === 'leave') {
      for (const sessionId of event.leave ?? []) {
        const entry = this.#entries.get(sessionId);
        if (entry !== undefined) {
          this.#entries.delete(sessionId);
          diff.left.push(entry);
          if (isInCall(entry.inCall)) {
            diff.callChanged.push({ participant: { ...entry, inCall: 0 }, before: entry.inCall });
          }
        }
      }
      return diff;
    }
    if (event.target === 'participants' && event.type === 'update' && event.update !== undefined) {
      const update = event.update;
      if (update.all === true) {
        const inCall = numField(update as unknown as JsonObject, 'incall');
        for (const entry of this.#entries.values()) {
          if (entry.inCall !== inCall) {
            diff.callChanged.push({ participant: entry, before: entry.inCall });
            entry.inCall = inCall;
          }
        }
        return diff;
      }
      for (const user of [...(update.users ?? []), ...(update.changed ?? [])]) {
        this.#applyUser(diff, user);
      }
      return diff;
    }
    return undefined;
  }

  #applyUser(diff: RosterDiff, user: JsonObject): void {
    const sessionId = optStr(user, 'sessionId') ?? optStr(user, 'sessionid');
    if (sessionId === undefined || sessionId === '' || sessionId === '0') {
      return;
    }
    const fields: Partial<Participant> = { inCall: numField(user, 'inCall') };
    const copy = (
      key: 'userId' | 'actorType' | 'actorId' | 'displayName' | 'nextcloudSessionId',
    ) => {
      const value = optStr(user, key);
      if (value !== undefined && value !== '') {
        fields[key] = value;
      }
    };
    copy('userId');
    copy('actorType');
    copy('actorId');
    copy('displayName');
    copy('nextcloudSessionId');
    if (user.participantType !== undefined) {
      fields.participantType = numField(user, 'participantType');
    }
    if (user.internal === true) {
      fields.internal = true;
    }
    if (user.virtual === true) {
      fields.virtual = true;
    }
    this.#upsert(diff, sessionId, fields);
  }

  #upsert(diff: RosterDiff, sessionId: string, fields: Partial<Participant>): void {
    const existing = this.#entries.get(sessionId);
    if (existing === undefined) {
      const entry: Participant = { sessionId, inCall: 0, ...fields };
      this.#entries.set(sessionId, entry);
      diff.joined.push(entry);
      if (entry.inCall !== 0) {
        diff.callChanged.push({ participant: entry, before: 0 });
      }
      return;
    }
    const before = existing.inCall;
    Object.assign(existing, fields);
    if (fields.inCall !== undefined && fields.inCall !== before) {
      diff.callChanged.push({ participant: existing, before });
    }
  }
}
