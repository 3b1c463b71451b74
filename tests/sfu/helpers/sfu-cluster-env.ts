import { type JanusFixture, startJanus } from '@spreed-ts/testkit';
import { type ClusterEnv, startClusterEnv } from '../../cluster/helpers/cluster-env.js';
import { isEvent } from '../../server/helpers/talk-steps.js';
import { SfuPeer } from './sfu-peer.js';

/** Janus, a real nats-server and N `bin/signaling` processes sharing that Janus. */
export interface SfuClusterEnv extends AsyncDisposable {
  janus: JanusFixture;
  cluster: ClusterEnv;
  /**
   * A participant of `token` on server `i` that joined the room and the call (audio + video), and
   * saw itself in the call.
   */
  peer(i: number, token: string, userId: string): Promise<SfuPeer>;
  /** Waits until `peer` saw a participants update listing every one of `sessionIds` in the call. */
  seesInCall(peer: SfuPeer, sessionIds: string[]): Promise<void>;
  /** The value of a sample on server `i`'s /metrics (0 when absent). */
  metric(i: number, sample: string): Promise<number>;
}

/** Starts Janus first (its URL goes into every server's `[mcu]`), then the cluster. */
export async function startSfuClusterEnv(servers = 3): Promise<SfuClusterEnv> {
  const janus = await startJanus();
  let cluster: ClusterEnv;
  try {
    cluster = await startClusterEnv({
      servers,
      extraConfig: ['[mcu]', 'type = janus', `url = ${janus.url}`, 'timeout = 5'].join('\n'),
    });
  } catch (err) {
    await janus.stop();
    throw err;
  }
  const peers: SfuPeer[] = [];
  const inCall = new Map<SfuPeer, Set<string>>();
  try {
    // A client uses the SFU only when it was told `mcu` in its hello: wait for every Janus link.
    await Promise.all(cluster.servers.map((s) => s.waitForLog(/connected to janus/, 15_000)));
  } catch (err) {
    await cluster[Symbol.asyncDispose]();
    await janus.stop();
    throw err;
  }
  const env: SfuClusterEnv = {
    janus,
    cluster,
    async peer(i, token, userId) {
      const joined = await cluster.joined(i, token, userId);
      const peer = new SfuPeer(joined.client, joined.sessionId, joined.talkSessionId);
      peers.push(peer);
      cluster.dev.setInCall(joined.talkSessionId, 7);
      await env.seesInCall(peer, [peer.sessionId]);
      return peer;
    },
    async seesInCall(peer, sessionIds) {
      let seen = inCall.get(peer);
      if (seen === undefined) {
        seen = new Set();
        inCall.set(peer, seen);
      }
      const state = seen;
      const done = () => sessionIds.every((id) => state.has(id));
      while (!done()) {
        const frame = await peer.client.next(isEvent('participants', 'update'), 10_000);
        const users =
          (frame.event as { update?: { users?: Array<{ sessionId?: string; inCall?: number }> } })
            .update?.users ?? [];
        for (const user of users) {
          if (user.sessionId === undefined) {
            continue;
          }
          if (((user.inCall ?? 0) & 1) === 1) {
            state.add(user.sessionId);
          } else {
            state.delete(user.sessionId);
          }
        }
      }
    },
    async metric(i, sample) {
      const server = cluster.servers[i];
      if (server === undefined) {
        throw new Error(`no server ${i}`);
      }
      const text = await (await fetch(`${server.httpUrl}metrics`)).text();
      for (const line of text.split('\n')) {
        if (line.startsWith(`${sample} `)) {
          return Number(line.slice(sample.length + 1));
        }
      }
      return 0;
    },
    async [Symbol.asyncDispose]() {
      for (const peer of peers) {
        peer.close();
      }
      await cluster[Symbol.asyncDispose]();
      await janus.stop();
    },
  };
  return env;
}
