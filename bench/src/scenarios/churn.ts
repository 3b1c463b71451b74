import { nowMicros } from '../client/bench-client.js';
import { closeAll, openSessions } from '../client/pool.js';
import { LatencyRecorder } from '../stats/latency.js';
import { cpuFields, higher, latencyMetrics, lower, type Scenario } from './scenario.js';

/**
 * Scenario 4, room churn: every client joins one of a few rooms and leaves it again, as fast as
 * the server answers, all at once (a join/leave storm). Each join costs a backend `room` request
 * and join events to the members; each leave a backend leave notification and leave events.
 */
export const churnScenario: Scenario = {
  number: 4,
  id: 'churn',
  title: 'room churn (join/leave storm)',
  requires: ['hello', 'roomJoin', 'roomLeave'],
  async run({ server, backend, profile, meter }) {
    const options = profile.churn;
    const opened = await openSessions({
      wsUrl: server.wsUrl,
      helloUrl: backend.helloUrl,
      count: options.clients,
      concurrency: 32,
      timeoutMs: 10_000,
      deadline: Date.now() + 20_000,
      userPrefix: 'churn-',
    });
    const clients = opened.clients;
    try {
      if (clients.length < options.clients) {
        throw new Error(`only ${clients.length} sessions: ${opened.firstError}`);
      }
      const joinLatency = new LatencyRecorder();
      const leaveLatency = new LatencyRecorder();
      let cycles = 0;
      let failures = 0;
      let firstError: string | undefined;
      const eventsBefore = clients.reduce((sum, c) => sum + c.events, 0);
      const window = meter();
      window.start();
      const endAt = performance.now() + options.durationS * 1000;
      await Promise.all(
        clients.map(async (client, i) => {
          const roomId = `bench-churn-${i % options.rooms}`;
          while (performance.now() < endAt && cycles < options.maxCycles && !client.closed) {
            try {
              const t0 = nowMicros();
              await client.join(roomId, `churn-${i}`, 10_000);
              const t1 = nowMicros();
              await client.leave(10_000);
              joinLatency.add(t1 - t0);
              leaveLatency.add(nowMicros() - t1);
              cycles++;
            } catch (err) {
              failures++;
              firstError ??= (err as Error).message;
              if (failures > 100) {
                return;
              }
            }
          }
        }),
      );
      const cpu = window.read();
      const events = clients.reduce((sum, c) => sum + c.events, 0) - eventsBefore;
      const notes = [`${options.clients} clients over ${options.rooms} rooms`];
      if (failures > 0) {
        notes.push(`${failures} failed cycles: ${firstError}`);
      }
      return {
        metrics: [
          higher('rate', 'join+leave cycles/s', '/s', cycles / cpu.wall),
          lower(
            'cpuPerCycle',
            'server CPU per join+leave',
            'ms',
            cycles > 0 ? (cpu.serverCpuSeconds * 1000) / cycles : undefined,
          ),
          ...latencyMetrics('join', 'join latency', joinLatency.summary()),
          ...latencyMetrics('leave', 'leave latency', leaveLatency.summary()),
          higher('events', 'room events received/s', '/s', events / cpu.wall),
        ],
        ...cpuFields(cpu),
        notes,
      };
    } finally {
      closeAll(clients);
    }
  },
};
