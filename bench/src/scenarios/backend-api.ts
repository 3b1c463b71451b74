import { BackendApiClient, participantEntry } from '../client/backend-api-client.js';
import { nowMicros } from '../client/bench-client.js';
import { closeAll } from '../client/pool.js';
import { LatencyRecorder } from '../stats/latency.js';
import { roomOfClients } from './fanout.js';
import { cpuFields, higher, latencyMetrics, lower, type Scenario } from './scenario.js';

const ROOM_ID = 'bench-api';

/**
 * Scenario 7, backend API: Talk's `incall` and `participants` requests (`POST /api/v1/room/<id>`,
 * signed) into a room of N joined sessions, alternating, with a fixed number of keep-alive
 * connections. Each request carries the full users list (as Talk sends it) and makes the server
 * map room session ids and send a participants event to every member.
 */
export const backendApiScenario: Scenario = {
  number: 7,
  id: 'backendApi',
  title: 'backend API incall/participants',
  requires: ['hello', 'roomJoin', 'backendApi'],
  async run({ server, backend, profile, meter, backendSecret }) {
    const options = profile.backendApi;
    const userPrefix = 'api-';
    const room = await roomOfClients({
      wsUrl: server.wsUrl,
      helloUrl: backend.helloUrl,
      count: options.roomSize,
      roomId: ROOM_ID,
      userPrefix,
    });
    const clients = room.clients;
    const api = new BackendApiClient(
      server.httpUrl,
      backendSecret,
      backend.baseUrl,
      options.concurrency,
    );
    try {
      if (room.error !== undefined) {
        throw new Error(room.error);
      }
      // Room session ids are `${userPrefix}${i}` (see roomOfClients), user ids the same.
      const body = (n: number) => {
        const inCall = n % 2 === 0 ? 7 : 1;
        const target = n % clients.length;
        const users = clients.map((_, i) =>
          participantEntry(`${userPrefix}${i}`, `${userPrefix}${i}`, i === target ? inCall : 7),
        );
        const changed = [
          participantEntry(`${userPrefix}${target}`, `${userPrefix}${target}`, inCall),
        ];
        return n % 2 === 0
          ? JSON.stringify({ type: 'incall', incall: { incall: inCall, changed, users } })
          : JSON.stringify({ type: 'participants', participants: { changed, users } });
      };
      const latency = new LatencyRecorder();
      let done = 0;
      let started = 0;
      let errors = 0;
      let firstError: string | undefined;
      const eventsBefore = clients.reduce((sum, c) => sum + c.events, 0);
      const window = meter();
      window.start();
      const endAt = performance.now() + options.durationS * 1000;
      const slot = async () => {
        while (performance.now() < endAt && started < options.maxRequests && errors < 100) {
          const text = body(started++);
          const t0 = nowMicros();
          try {
            const res = await api.post(ROOM_ID, text, 10_000);
            if (res.status !== 200) {
              throw new Error(`HTTP ${res.status} ${res.body.trim().slice(0, 80)}`);
            }
            latency.add(nowMicros() - t0);
            done++;
          } catch (err) {
            errors++;
            firstError ??= (err as Error).message;
          }
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, slot));
      const cpu = window.read();
      const events = clients.reduce((sum, c) => sum + c.events, 0) - eventsBefore;
      const notes = [
        `room of ${options.roomSize}, ${options.concurrency} requests in flight, users list of ${options.roomSize} per request`,
      ];
      if (errors > 0) {
        notes.push(`${errors} failed requests: ${firstError}`);
      }
      return {
        metrics: [
          higher('rate', 'requests/s', '/s', done / cpu.wall),
          lower(
            'cpuPerRequest',
            'server CPU per request',
            'ms',
            done > 0 ? (cpu.serverCpuSeconds * 1000) / done : undefined,
          ),
          ...latencyMetrics('http', 'request latency', latency.summary()),
          higher('events', 'participants events delivered/s', '/s', events / cpu.wall),
        ],
        ...cpuFields(cpu),
        notes,
      };
    } finally {
      api.close();
      closeAll(clients);
    }
  },
};
