import { type JanusFixture, startJanus } from '@spreed-ts/testkit';
import { type ClusterEnv, startClusterEnv } from '../../cluster/helpers/cluster-env.js';
import { isEvent, joinedIds, joinRoom } from '../../server/helpers/talk-steps.js';
import { clusterMetrics, enterCall, inCallWatcher } from './cluster-watch.js';
import type { SfuPeer } from './sfu-peer.js';

/** Janus, a real nats-server and N `bin/signaling` processes sharing that Janus. */
export interface SfuClusterEnv extends AsyncDisposable {
  janus: JanusFixture;
  cluster: ClusterEnv;
  /**
   * A participant of `token` on server `i` that joined the room and the call (audio + video), and
   * saw itself in the call.
   */
  peer(i: number, token: string, userId: string): Promise<SfuPeer>;
  /**
   * Resumes `peer`'s session on server `i` (its old connection is closed first): a hello with its
   * resume id, which must give back the same session. `peer` goes on over the new connection.
   */
  resume(peer: SfuPeer, i: number): Promise<void>;
  /**
   * The participant behind `peer` comes back after its session was lost (its server died): a new
   * hello on server `i`, the room joined again with the same Talk session and the call joined.
   */
  rejoin(peer: SfuPeer, i: number, token: string, userId: string): Promise<SfuPeer>;
  /** Waits until `peer` saw a participants update listing every one of `sessionIds` in the call. */
  seesInCall(peer: SfuPeer, sessionIds: string[]): Promise<void>;
  /** The value of a sample on server `i`'s /metrics (0 when absent). */
  metric(i: number, sample: string): Promise<number>;
  /** Waits (bounded) until {@link metric} of server `i` is `value`. */
  metricBecomes(i: number, sample: string, value: number, timeoutMs?: number): Promise<void>;
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
      return enterCall(cluster.dev, env.seesInCall, peers, joined);
    },
    async resume(peer, i) {
      await peer.client.close();
      const client = await cluster.connect(i);
      const id = client.send({ type: 'hello', hello: { version: '1.0', resumeid: peer.resumeId } });
      const reply = await client.next((f) => f.id === id);
      const sessionId = (reply.hello as { sessionid?: string } | undefined)?.sessionid;
      if (reply.type !== 'hello' || sessionId !== peer.sessionId) {
        throw new Error(`resume on server ${i} failed: ${JSON.stringify(reply)}`);
      }
      peer.useConnection(client);
    },
    async rejoin(old, i, token, userId) {
      const signedIn = await cluster.hello(i, userId);
      const response = await joinRoom(signedIn.client, token, old.talkSessionId);
      if (response.type !== 'room') {
        throw new Error(`join failed: ${JSON.stringify(response)}`);
      }
      await signedIn.client.next(
        (f) => isEvent('room', 'join')(f) && joinedIds(f).includes(signedIn.sessionId),
      );
      return enterCall(cluster.dev, env.seesInCall, peers, {
        ...signedIn,
        talkSessionId: old.talkSessionId,
      });
    },
    seesInCall: inCallWatcher(),
    ...clusterMetrics(() => cluster.servers),
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
