import type { Permission } from '@spreed-ts/protocol';

/** One participant entry of `participants` and `incall` notifications (Talk `BackendNotifier`). */
export interface NotifiedParticipant {
  inCall: number;
  lastPing: number;
  /** Talk session id, or `'0'` for attendees without a session. */
  sessionId: string;
  /** Only in `incall` entries: the Talk session id again (survives the server's id rewrite). */
  nextcloudSessionId?: string;
  participantType: number;
  participantPermissions: number;
  /** Only in `participants` entries. */
  displayName?: string;
  actorType: string;
  actorId: string;
  /** Only for `users`. */
  userId?: string;
  /** Only in `participants.changed`: the permission strings for the signaling session. */
  permissions?: Permission[];
}

/** A request body Talk posts to `{signaling}/api/v1/room/{token}`. */
export type BackendNotification =
  | {
      type: 'invite';
      invite: { userids: string[]; alluserids: string[]; properties: Record<string, unknown> };
    }
  | {
      type: 'disinvite';
      disinvite: {
        userids?: string[];
        sessionids?: string[];
        alluserids: string[];
        properties: Record<string, unknown>;
      };
    }
  | { type: 'update'; update: { userids: string[]; properties: Record<string, unknown> } }
  | { type: 'delete'; delete: { userids: string[] } }
  | {
      type: 'participants';
      participants: { changed: NotifiedParticipant[]; users: NotifiedParticipant[] };
    }
  | {
      type: 'incall';
      incall:
        | { incall: number; changed: NotifiedParticipant[]; users: NotifiedParticipant[] }
        | { incall: number; all: true };
    }
  | { type: 'message'; message: { data: Record<string, unknown> } }
  | {
      type: 'switchto';
      switchto: { roomid: string; sessions: string[] | Record<string, unknown> };
    }
  | { type: 'dialout'; dialout: { number: string; options: Record<string, unknown> } };

/** The `type` of a backend notification. */
export type BackendNotificationType = BackendNotification['type'];
