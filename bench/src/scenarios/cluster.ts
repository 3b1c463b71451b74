import { setTimeout as delay } from 'node:timers/promises';
import { startNats } from '@spreed-ts/testkit';
import { type BenchClient, nowMicros } from '../client/bench-client.js';
import { closeAll, openSessions } from '../client/pool.js';
import { CpuMeter } from '../harness/proc-stats.js';
import type { RunningServer } from '../harness/server-launcher.js';
import { DeliveryStats, runFixedRate } from './load-driver.js';
import { MESSAGE_SUFFIX, messagePrefix, shapeLabel } from './payload.js';
import { higher, latencyMetrics, lower, type Metric, type Scenario } from './scenario.js';

/**
 * Scenario 11, the cost of a cluster: two servers of the same kind on one real nats-server (both
 * pinned to the server core). Sessions are split over both; every 1:1 message crosses from one
 * server to the other, and a room with members on both servers carries room messages (each one a
 * cross-server room event for the other server). Figures: CPU of both servers together per 100k
 * cross-server messages and per 1,000 room messages, and latency. The nats-server's own CPU is
 * reported apart (it is the same program for both kinds).
 */
export const clusterScenario: Scenario = {
  number: 11,
  id: 'cluster',
  title: 'cluster: two servers on one nats-server',
  requires: ['hello', 'sessionMessage', 'roomJoin', 'roomMessage'],
  async run({ server, backend, profile, startServer, stopServer }) {
    const options = profile.cluster;
    const nats = await startNats();
    const servers: RunningServer[] = [];
    const clients: BenchClient[] = [];
    try {
      servers.push(await startServer(nats.url), await startServer(nats.url));
      const [a, b] = servers as [RunningServer, RunningServer];
      await delay(1_500); // heartbeats: the servers find each other
      const open = async (target: RunningServer, prefix: string) => {
        const opened = await openSessions({
          wsUrl: target.wsUrl,
          helloUrl: backend.helloUrl,
          count: options.sessionsPerServer,
          concurrency: 32,
          timeoutMs: 10_000,
          deadline: Date.now() + 30_000,
          userPrefix: prefix,
        });
        clients.push(...opened.clients);
        if (opened.clients.length < options.sessionsPerServer) {
          throw new Error(`only ${opened.clients.length} sessions: ${opened.firstError}`);
        }
        return opened.clients;
      };
      const onA = await open(a, 'ca-');
      const onB = await open(b, 'cb-');
      const pids = [a.pid, b.pid];
      const measure = async (run: () => Promise<number>) => {
        const servers = new CpuMeter(pids, false);
        const natsMeter = new CpuMeter([nats.pid], false);
        servers.start();
        natsMeter.start();
        const count = await run();
        const used = servers.read();
        return { count, cpu: used.cpuSeconds, natsCpu: natsMeter.read().cpuSeconds };
      };
      const metrics: Metric[] = [];

      // 1:1 across servers: A[i] <-> B[i].
      const stats = new DeliveryStats();
      const peers = [...onA, ...onB];
      const prefixes = peers.map((_, i) => {
        const peer = i < onA.length ? onB[i] : onA[i - onA.length];
        return messagePrefix(
          { type: 'session', sessionid: (peer as BenchClient).sessionId },
          profile.payload,
        );
      });
      // Every payload names its recipient (`"to"`, as Talk's do): a delivery to another session
      // is counted apart. (Go 0.4.1 delivers a message for a session of the other server to the
      // local session whose internal number matches, when both servers share their keys.)
      let misdelivered = 0;
      let rightSession = 0;
      for (const client of peers) {
        const mine = Buffer.from(`"to":${JSON.stringify(client.sessionId)}`);
        client.onMessage = (stamp, frame) => {
          stats.record(stamp, nowMicros());
          if (frame.includes(mine)) {
            rightSession++;
          } else {
            misdelivered++;
          }
        };
      }
      let next = 0;
      const send = () => {
        const i = next++ % peers.length;
        (peers[i] as BenchClient).send(`${prefixes[i]}${nowMicros()}${MESSAGE_SUFFIX}`);
      };
      await runFixedRate({
        stats,
        rate: options.rate,
        durationS: options.warmupS,
        deliveriesPerSend: 1,
        send,
      });
      misdelivered = 0;
      rightSession = 0;
      let latency1 = stats.latency.summary();
      const direct = await measure(async () => {
        const fixed = await runFixedRate({
          stats,
          rate: options.rate,
          durationS: options.durationS,
          deliveriesPerSend: 1,
          send,
        });
        latency1 = fixed.latency;
        return fixed.sent;
      });
      // Only messages that reached the session they were sent to count; CPU per such message.
      const delivered = rightSession;
      metrics.push(
        lower(
          'cpu100k',
          `CPU-s of both servers per 100k cross-server messages delivered to their session at ${options.rate}/s`,
          's',
          delivered > 0 ? (direct.cpu / delivered) * 100_000 : undefined,
        ),
        higher(
          'right',
          'share of cross-server messages delivered to the session they were sent to',
          '%',
          direct.count > 0 ? (delivered / direct.count) * 100 : undefined,
        ),
        ...(delivered > 0
          ? latencyMetrics('lat', `cross-server latency at ${options.rate}/s`, latency1)
          : []),
      );
      const wrong =
        misdelivered > 0
          ? [
              `${misdelivered} of ${direct.count} 1:1 messages reached another session than their recipient`,
            ]
          : [];

      // A room with members on both servers.
      await Promise.all(peers.map((client, i) => client.join('bench-cluster', `cl-${i}`, 20_000)));
      await delay(1_000);
      const roomStats = new DeliveryStats();
      for (const client of peers) {
        client.onMessage = (stamp) => roomStats.record(stamp, nowMicros());
      }
      const roomPrefix = messagePrefix({ type: 'room' }, profile.payload);
      let sent = 0;
      const sendRoom = () => {
        // Senders alternate between the two servers.
        const k = sent++;
        const side = k % 2 === 0 ? onA : onB;
        (side[(k >> 1) % side.length] as BenchClient).send(
          `${roomPrefix}${nowMicros()}${MESSAGE_SUFFIX}`,
        );
      };
      const fanout = peers.length - 1;
      await runFixedRate({
        stats: roomStats,
        rate: options.roomRate,
        durationS: options.warmupS,
        deliveriesPerSend: fanout,
        send: sendRoom,
      });
      let latencyRoom = roomStats.latency.summary();
      const room = await measure(async () => {
        const fixed = await runFixedRate({
          stats: roomStats,
          rate: options.roomRate,
          durationS: options.durationS,
          deliveriesPerSend: fanout,
          send: sendRoom,
        });
        latencyRoom = fixed.latency;
        return fixed.sent;
      });
      metrics.push(
        lower(
          'cpuRoom1k',
          `CPU-s of both servers per 1k room messages (room of ${peers.length}, half on each) at ${options.roomRate}/s`,
          's',
          room.count > 0 ? (room.cpu / room.count) * 1_000 : undefined,
        ),
        ...latencyMetrics('latRoom', 'room message latency across the cluster', latencyRoom),
      );
      return {
        metrics,
        notes: [
          ...wrong,
          `${options.sessionsPerServer} sessions per server, ${shapeLabel(profile.payload)}; nats-server CPU ${(direct.natsCpu + room.natsCpu).toFixed(2)} s over both phases`,
          `the scenario's own server (${server.kind}, in-process bus) idles; both measured servers are pinned like it`,
        ],
      };
    } finally {
      closeAll(clients);
      for (const extra of servers) {
        await stopServer(extra);
      }
      await nats[Symbol.asyncDispose]();
    }
  },
};
