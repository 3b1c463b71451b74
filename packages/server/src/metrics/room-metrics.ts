import type { SignalingMetrics } from './signaling-metrics.js';

/** Client types as upstream labels them. */
export type ClientTypeLabel = 'client' | 'internal' | 'federation' | 'virtual';

/**
 * The room and call metrics, for the rooms feature to call at its state changes. It mirrors the
 * rules of upstream's `server/room.go`:
 *
 * - `roomCreated` / `roomClosed` move `signaling_hub_rooms{backend}`; closing also drops the room's
 *   `signaling_room_sessions` and `signaling_call_sessions` series.
 * - `sessionJoined` / `sessionLeft` move `signaling_room_sessions{backend,room,clienttype}`; call
 *   them once per session (a re-join of a present session is not a join).
 * - `sessionJoinedCall` / `sessionLeftCall` move `signaling_call_sessions` and count
 *   `signaling_call_sessions_total`; the first session in a call counts
 *   `signaling_call_rooms_total`, and when the last one leaves, the room's call series are dropped.
 *   Call `sessionLeftCall` only for a session that is in the call (also when it leaves the room).
 * - `virtualSessionAdded` / `virtualSessionRemoved` count virtual sessions in
 *   `signaling_hub_sessions{clienttype="virtual"}` (the hub counts the others).
 */
export class RoomMetrics {
  readonly #metrics: SignalingMetrics;
  /** Sessions in a call, per `backend\0room`. */
  readonly #inCall = new Map<string, number>();

  constructor(metrics: SignalingMetrics) {
    this.#metrics = metrics;
  }

  roomCreated(backend: string): void {
    this.#metrics.hubRooms.inc({ backend });
  }

  roomClosed(backend: string, room: string): void {
    this.#metrics.hubRooms.dec({ backend });
    this.#metrics.roomSessions.removeMatching({ backend, room });
    this.#clearCall(backend, room);
  }

  sessionJoined(backend: string, room: string, clienttype: ClientTypeLabel): void {
    this.#metrics.roomSessions.inc({ backend, room, clienttype });
  }

  sessionLeft(backend: string, room: string, clienttype: ClientTypeLabel): void {
    this.#metrics.roomSessions.dec({ backend, room, clienttype });
  }

  sessionJoinedCall(backend: string, room: string, clienttype: ClientTypeLabel): void {
    const key = `${backend}\u0000${room}`;
    const count = this.#inCall.get(key) ?? 0;
    if (count === 0) {
      this.#metrics.callRoomsTotal.inc({ backend });
    }
    this.#inCall.set(key, count + 1);
    this.#metrics.callSessions.inc({ backend, room, clienttype });
    this.#metrics.callSessionsTotal.inc({ backend, clienttype });
  }

  sessionLeftCall(backend: string, room: string, clienttype: ClientTypeLabel): void {
    const key = `${backend}\u0000${room}`;
    const count = (this.#inCall.get(key) ?? 0) - 1;
    if (count <= 0) {
      this.#clearCall(backend, room);
      return;
    }
    this.#inCall.set(key, count);
    this.#metrics.callSessions.dec({ backend, room, clienttype });
  }

  virtualSessionAdded(backend: string): void {
    const labels = { backend, clienttype: 'virtual' };
    this.#metrics.hubSessions.inc(labels);
    this.#metrics.hubSessionsTotal.inc(labels);
  }

  virtualSessionRemoved(backend: string): void {
    this.#metrics.hubSessions.dec({ backend, clienttype: 'virtual' });
  }

  /** Rooms that exist now (for `/api/v1/stats`). */
  get roomCount(): number {
    return this.#metrics.hubRooms.sum();
  }

  /** Virtual sessions that exist now (for `/api/v1/stats`). */
  get virtualSessionCount(): number {
    return this.#metrics.hubSessions.sum({ clienttype: 'virtual' });
  }

  #clearCall(backend: string, room: string): void {
    this.#inCall.delete(`${backend}\u0000${room}`);
    this.#metrics.callSessions.removeMatching({ backend, room });
  }
}
