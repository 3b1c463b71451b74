import type { DevBackend } from '@spreed-ts/devbackend';
import type { TestClient } from '@spreed-ts/testkit';
import { SfuPeer } from './sfu-peer.js';

/**
 * Signs `client` in with a ticket of `userId` (a guest when null) and joins the room `token` with
 * the Talk session `talkSessionId`; throws with the server's answer when either is refused. The
 * peer keeps the hello's features and the room response. `authUrl` is the backend URL sent in the
 * hello (default: the dev backend's base URL).
 */
export async function joinAsPeer(
  client: TestClient,
  dev: DevBackend,
  token: string,
  userId: string | null,
  talkSessionId: string,
  authUrl = dev.url,
): Promise<SfuPeer> {
  const params: Record<string, unknown> = { ticket: dev.ticketFor(userId) };
  if (userId !== null) {
    params.userid = userId;
  }
  client.send({ type: 'hello', hello: { version: '1.0', auth: { url: authUrl, params } } });
  const hello = await client.next((f) => f.type === 'hello' || f.type === 'error');
  if (hello.type !== 'hello') {
    throw new Error(`hello failed: ${JSON.stringify(hello)}`);
  }
  const sessionId = (hello.hello as { sessionid: string }).sessionid;
  const id = client.send({ type: 'room', room: { roomid: token, sessionid: talkSessionId } });
  const joined = await client.next((f) => f.id === id);
  if (joined.type !== 'room') {
    throw new Error(`room join failed: ${JSON.stringify(joined)}`);
  }
  const peer = new SfuPeer(client, sessionId, talkSessionId);
  peer.helloFeatures = (hello.hello as { server: { features: string[] } }).server.features;
  peer.roomResponse = joined;
  return peer;
}
