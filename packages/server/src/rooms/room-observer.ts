/** Client type label of a room member, as the room metrics use it. */
export type MemberTypeLabel = 'client' | 'internal' | 'federation' | 'virtual';

/**
 * What a room reports for metrics: rooms appearing and closing, members joining and leaving the
 * room and its call. The server's `RoomMetrics` implements it; rooms never import metrics.
 */
export interface RoomObserver {
  roomCreated(backend: string): void;
  roomClosed(backend: string, room: string): void;
  sessionJoined(backend: string, room: string, type: MemberTypeLabel): void;
  sessionLeft(backend: string, room: string, type: MemberTypeLabel): void;
  sessionJoinedCall(backend: string, room: string, type: MemberTypeLabel): void;
  sessionLeftCall(backend: string, room: string, type: MemberTypeLabel): void;
}
