import { setTimeout as sleep } from 'node:timers/promises';
import type { DevBackend } from '@spreed-ts/devbackend';
import type { InRoom } from '../../cluster/helpers/cluster-env.js';
import { isEvent } from '../../server/helpers/talk-steps.js';
import { SfuPeer } from './sfu-peer.js';

/**
 * What each peer learned from its participants updates about who is in the call. The returned
 * function waits until `peer` saw every one of `sessionIds` in the call (10 s per update).
 */
export function inCallWatcher(): (peer: SfuPeer, sessionIds: string[]) => Promise<void> {
  const inCall = new Map<SfuPeer, Set<string>>();
  return async (peer, sessionIds) => {
    let seen = inCall.get(peer);
    if (seen === undefined) {
      seen = new Set();
      inCall.set(peer, seen);
    }
    const state = seen;
    while (!sessionIds.every((id) => state.has(id))) {
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
  };
}

/**
 * A client that joined its room (`joined`) enters the call with audio and video: it becomes an
 * {@link SfuPeer}, kept in `peers` (which the environment closes), and comes back once
 * `seesInCall` saw it in the call.
 */
export async function enterCall(
  dev: DevBackend,
  seesInCall: (peer: SfuPeer, sessionIds: string[]) => Promise<void>,
  peers: SfuPeer[],
  joined: InRoom,
): Promise<SfuPeer> {
  const peer = new SfuPeer(joined.client, joined.sessionId, joined.talkSessionId);
  peer.resumeId = joined.resumeId;
  peers.push(peer);
  dev.setInCall(joined.talkSessionId, 7);
  await seesInCall(peer, [peer.sessionId]);
  return peer;
}

/** Reading the `/metrics` of a cluster's servers, by index. */
export interface ClusterMetrics {
  /** The value of a sample on server `i`'s /metrics (0 when absent). */
  metric(i: number, sample: string): Promise<number>;
  /** Waits (bounded, 10 s by default) until {@link metric} of server `i` is `value`. */
  metricBecomes(i: number, sample: string, value: number, timeoutMs?: number): Promise<void>;
}

/** {@link ClusterMetrics} of the servers `servers()` gives (read at each call). */
export function clusterMetrics(servers: () => readonly { httpUrl: string }[]): ClusterMetrics {
  const metric = async (i: number, sample: string): Promise<number> => {
    const server = servers()[i];
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
  };
  return {
    metric,
    async metricBecomes(i, sample, value, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let now = await metric(i, sample);
      while (now !== value) {
        if (Date.now() > deadline) {
          throw new Error(`server ${i}: ${sample} stayed ${now}, wanted ${value}`);
        }
        await sleep(100);
        now = await metric(i, sample);
      }
    },
  };
}
