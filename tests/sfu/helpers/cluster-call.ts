import type { DevBackend } from '@spreed-ts/devbackend';
import type { SfuPeer } from './sfu-peer.js';

/** What {@link callAcrossServers} needs of a cluster environment (SFU or proxy cluster). */
export interface ClusterCallEnv {
  cluster: { dev: DevBackend };
  peer(i: number, token: string, userId: string): Promise<SfuPeer>;
  seesInCall(peer: SfuPeer, sessionIds: string[]): Promise<void>;
}

/**
 * A call in the new conversation `token` owned by the first user: each `[user, server]` seat
 * (users created here) joins on its server in the given order, and every peer waits until it saw
 * all of them in the call. The peers come back in the order of the seats.
 */
export async function callAcrossServers<const S extends readonly (readonly [string, number])[]>(
  env: ClusterCallEnv,
  token: string,
  seats: S,
): Promise<{ -readonly [K in keyof S]: SfuPeer }> {
  const { dev } = env.cluster;
  for (const [user] of seats) {
    dev.addUser(user);
  }
  dev.createRoom({ token, owner: seats[0]?.[0] ?? '' });
  const peers: SfuPeer[] = [];
  for (const [user, server] of seats) {
    peers.push(await env.peer(server, token, user));
  }
  const ids = peers.map((p) => p.sessionId);
  await Promise.all(peers.map((p) => env.seesInCall(p, ids)));
  return peers as { -readonly [K in keyof S]: SfuPeer };
}
