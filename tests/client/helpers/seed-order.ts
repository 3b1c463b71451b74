import { joinConversation, Roster, SignalingConnection } from '@spreed-ts/client';
import { FAST } from './talk-env.js';

/** A client that joined the way the seed's headless bot did. */
export interface SeedOrderClient {
  sessionId: string;
  roster: Roster;
  conn: SignalingConnection;
  close(): Promise<void>;
}

/**
 * The seed's headless bootstrap: `POST /call` during the HTTP phase, BEFORE the signaling room
 * join. Talk tells the signaling server at once, but the server cannot map the Talk session to a
 * signaling session yet and drops the change. Later participant lists (built by Talk from all
 * sessions) show the session in the call, which is what made the seed's blocker so confusing.
 */
export async function seedOrderClient(roomUrl: string): Promise<SeedOrderClient> {
  const joined = await joinConversation(roomUrl, { ...FAST, name: 'Seed bot' });
  await joined.api.joinCall(3); // too early
  const conn = new SignalingConnection({
    backendUrl: joined.url.baseUrl,
    fetchSettings: () => joined.api.signalingSettings(),
  });
  const roster = new Roster();
  conn.on('event', (event) => roster.apply(event));
  const session = await conn.connect();
  roster.reset(session.sessionId);
  await conn.joinRoom(joined.url.token, joined.room.sessionId);
  return {
    sessionId: session.sessionId,
    roster,
    conn,
    async close() {
      await conn.close();
      await joined.api.leaveConversation().catch(() => undefined);
    },
  };
}
