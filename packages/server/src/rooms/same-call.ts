import type { Participant } from './participant.js';
import type { AnyMember } from './remote-member.js';

/** Why two sessions are not in the same call, as {@link whyNotInSameCall} reports it. */
export type NotInSameCall = 'sender not in call' | 'recipient unknown' | 'recipient not in call';

/**
 * Upstream's isInSameCall, with the reason spelled out: internal clients may reach anybody;
 * otherwise the sender must be in its room's call, and the recipient must be a known session in the
 * same room (same backend and room id) and in its call — internal recipients need not be in the
 * call. Returns undefined when they are in the same call. `lookup` resolves a public id to a local
 * session (client or virtual) or to a member of one of this server's rooms on another server
 * (upstream asks that server with IsSessionInCall); a live session without room state counts as
 * "not in call".
 */
export function whyNotInSameCall(
  sender: Participant,
  recipientId: string,
  lookup: (publicId: string) => AnyMember | 'no-room' | undefined,
): NotInSameCall | undefined {
  if (sender.isInternal) {
    return undefined;
  }
  const room = sender.room;
  if (room === undefined || !room.isInCall(sender)) {
    return 'sender not in call';
  }
  const recipient = lookup(recipientId);
  if (recipient === undefined) {
    return 'recipient unknown';
  }
  if (recipient === 'no-room') {
    return 'recipient not in call';
  }
  const other = recipient.room;
  if (other === undefined || other.key !== room.key) {
    return 'recipient not in call';
  }
  const internal = recipient.kind !== 'virtual' && recipient.isInternal;
  if (!internal && !room.isInCall(recipient)) {
    return 'recipient not in call';
  }
  return undefined;
}
