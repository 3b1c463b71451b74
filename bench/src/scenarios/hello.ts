import { setTimeout as delay } from 'node:timers/promises';
import { closeAll, openSessions } from '../client/pool.js';
import { cpuFields, higher, latencyMetrics, lower, type Scenario } from './scenario.js';

/**
 * Scenario 1, connect + hello: N sessions through WebSocket upgrade and hello v1 (one backend auth
 * request each), a fixed number in flight. Reports sessions/s and the hello round trip.
 */
export const helloScenario: Scenario = {
  number: 1,
  id: 'hello',
  title: 'connect + hello v1',
  requires: ['hello'],
  async run({ server, backend, profile, meter }) {
    const { sessions, concurrency, timeLimitS, warmup, warmupRounds } = profile.hello;
    // The first few thousand sessions after a start run through code our JIT is still compiling
    // (on the server's one core); a server runs for days, so the measured round follows
    // unmeasured ones: a cold round, whose rate is reported apart, then `warmupRounds` full ones.
    // Measured against one server, CPU per session falls for ours over about 3 rounds of 2000,
    // Go's over 2-3 rounds too (its heap grows), and both are flat after that.
    const round = async (count: number, userPrefix: string) =>
      openSessions({
        wsUrl: server.wsUrl,
        helloUrl: backend.helloUrl,
        count,
        concurrency,
        timeoutMs: 10_000,
        deadline: Date.now() + timeLimitS * 1000,
        userPrefix,
      });
    const cold = await round(warmup, 'cold-');
    closeAll(cold.clients);
    await delay(500);
    for (let r = 0; r < warmupRounds; r++) {
      const warm = await round(sessions, `warm${r}-`);
      closeAll(warm.clients);
      await delay(500);
    }
    const window = meter();
    window.start();
    const opened = await round(sessions, 'hello-');
    const cpu = window.read();
    closeAll(opened.clients);
    const notes = [
      `${opened.clients.length}/${sessions} sessions, ${concurrency} in flight, after ${warmup} + ${warmupRounds}×${sessions} unmeasured`,
    ];
    if (opened.failures > 0) {
      notes.push(`${opened.failures} failed: ${opened.firstError}`);
    }
    return {
      metrics: [
        higher(
          'rate',
          `sessions/s (${sessions}, ${concurrency} in flight)`,
          '/s',
          opened.clients.length / opened.wallSeconds,
        ),
        lower(
          'cpuPerSession',
          'server CPU per session (upgrade + hello)',
          'ms',
          opened.clients.length > 0
            ? (cpu.serverCpuSeconds * 1000) / opened.clients.length
            : undefined,
        ),
        ...latencyMetrics('hello', 'hello latency', opened.helloLatency.summary()),
        ...latencyMetrics('connect', 'WS upgrade latency', opened.connectLatency.summary()),
        ...latencyMetrics(
          'session',
          'connect to hello reply (upgrade + hello) latency',
          opened.sessionLatency.summary(),
        ),
        higher(
          'coldRate',
          `sessions/s of the first ${warmup} after start (cold JIT)`,
          '/s',
          cold.clients.length / cold.wallSeconds,
        ),
      ],
      ...cpuFields(cpu),
      notes,
    };
  },
};
