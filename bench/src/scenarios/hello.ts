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
    const { sessions, concurrency, timeLimitS } = profile.hello;
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
      ],
      ...cpuFields(cpu),
      notes,
    };
  },
};
