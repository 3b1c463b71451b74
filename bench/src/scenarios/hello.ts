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
    const { sessions, concurrency, timeLimitS, warmup } = profile.hello;
    // The first sessions after a start run through code our JIT has not compiled yet; a server
    // runs for days, so the measured round follows an unmeasured one (its rate is reported apart).
    const cold = await openSessions({
      wsUrl: server.wsUrl,
      helloUrl: backend.helloUrl,
      count: warmup,
      concurrency,
      timeoutMs: 10_000,
      deadline: Date.now() + timeLimitS * 1000,
      userPrefix: 'warm-',
    });
    closeAll(cold.clients);
    await delay(500);
    const window = meter();
    window.start();
    const opened = await openSessions({
      wsUrl: server.wsUrl,
      helloUrl: backend.helloUrl,
      count: sessions,
      concurrency,
      timeoutMs: 10_000,
      deadline: Date.now() + timeLimitS * 1000,
      userPrefix: 'hello-',
    });
    const cpu = window.read();
    closeAll(opened.clients);
    const notes = [`${opened.clients.length}/${sessions} sessions, ${concurrency} in flight`];
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
