import { nowMicros } from '../client/bench-client.js';
import { closeAll, openSessions } from '../client/pool.js';
import { LatencyRecorder } from '../stats/latency.js';
import {
  cpuFields,
  higher,
  latencyMetrics,
  lower,
  type Metric,
  type Scenario,
} from './scenario.js';

/**
 * Scenario 10, a room filling up: N authenticated sessions join one room at the same moment (a
 * meeting starting), each join answered by the server (`room` reply) after a backend request, and
 * announced to everyone already in. Joins/s to the last `room` reply, latency of each join, and
 * server CPU per join, for rooms of each configured size. The sessions then leave again (not
 * measured) so the next size starts from an empty room.
 */
export const joinsScenario: Scenario = {
  number: 10,
  id: 'joins',
  title: 'concurrent joins into one room',
  requires: ['hello', 'roomJoin', 'roomLeave'],
  async run({ server, backend, profile, meter }) {
    const options = profile.joins;
    const largest = Math.max(...options.roomSizes);
    const opened = await openSessions({
      wsUrl: server.wsUrl,
      helloUrl: backend.helloUrl,
      count: largest,
      concurrency: 64,
      timeoutMs: 10_000,
      deadline: Date.now() + 40_000,
      userPrefix: 'join-',
    });
    const clients = opened.clients;
    try {
      if (clients.length < largest) {
        throw new Error(`only ${clients.length} sessions: ${opened.firstError}`);
      }
      const metrics: Metric[] = [];
      const notes: string[] = [];
      let lastCpu: ReturnType<ReturnType<typeof meter>['read']> | undefined;
      // One unmeasured fill of the largest room first: steady state, not the JIT's first pass.
      await Promise.all(
        clients.map((client, i) => client.join('bench-joins-warmup', `warm-${i}`, 30_000)),
      ).catch(() => undefined);
      await Promise.all(clients.map((client) => client.leave(30_000).catch(() => undefined)));
      for (const [round, size] of options.roomSizes.entries()) {
        const members = clients.slice(0, size);
        const roomId = `bench-joins-${round}`;
        const latency = new LatencyRecorder();
        let failures = 0;
        let firstError: string | undefined;
        const window = meter();
        window.start();
        await Promise.all(
          members.map(async (client, i) => {
            const t0 = nowMicros();
            try {
              await client.join(roomId, `joins-${round}-${i}`, 30_000);
              latency.add(nowMicros() - t0);
            } catch (err) {
              failures++;
              firstError ??= (err as Error).message;
            }
          }),
        );
        const cpu = window.read();
        lastCpu = cpu;
        const joined = size - failures;
        metrics.push(
          higher(`rate@${size}`, `joins/s into a room of ${size}`, '/s', joined / cpu.wall),
          lower(
            `cpu@${size}`,
            `server CPU per join, room of ${size}`,
            'ms',
            joined > 0 ? (cpu.serverCpuSeconds * 1000) / joined : undefined,
          ),
          ...latencyMetrics(`lat@${size}`, `join latency, room of ${size}`, latency.summary()),
        );
        if (failures > 0) {
          notes.push(`room of ${size}: ${failures} joins failed: ${firstError}`);
        }
        await Promise.all(members.map((client) => client.leave(30_000).catch(() => undefined)));
      }
      return { metrics, ...(lastCpu === undefined ? {} : cpuFields(lastCpu)), notes };
    } finally {
      closeAll(clients);
    }
  },
};
