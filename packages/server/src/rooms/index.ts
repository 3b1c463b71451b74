import { SessionIdCodec } from '../hub/session-ids.js';
import type { SignalingServer } from '../server.js';
import { RoomManager, type RoomManagerOptions } from './room-manager.js';

/** Test knobs of {@link startRooms}. */
export type RoomsTuning = Pick<
  RoomManagerOptions,
  'pingIntervalMs' | 'dialoutTimeoutMs' | 'scheduler'
>;

/** The running rooms feature. */
export interface Rooms {
  readonly manager: RoomManager;
  close(): void;
}

/**
 * Plugs the rooms feature into a running server: it handles the hub's authenticated client
 * messages and Talk's backend requests, and pings Talk every 10 s for the sessions in rooms.
 */
export function startRooms(server: SignalingServer, tuning: RoomsTuning = {}): Rooms {
  const codec = new SessionIdCodec(server.config.sessions.hashKey);
  const manager = new RoomManager({
    sessions: server.hub,
    backendClient: server.backendClient,
    capabilities: server.backendClient.capabilities,
    newPublicId: () => codec.newPublicId(),
    logger: server.logger,
    ...tuning,
  });
  server.hub.setMessageHandler(manager);
  server.setBackendApiProcessor(manager.backendApi);
  manager.start();
  return {
    manager,
    close: () => manager.close(),
  };
}

export { type BackendRoomRequest, parseBackendRoomRequest } from './backend-requests.js';
export { type ChatReceiver, shapeChatData } from './chat-relay.js';
export { RoomManager, type RoomManagerOptions } from './room-manager.js';
export { type NotInSameCall, whyNotInSameCall } from './same-call.js';
export { TransientData } from './transient-data.js';
