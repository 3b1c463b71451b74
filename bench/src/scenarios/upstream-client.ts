import { GENERATOR_CPU } from '../harness/processes.js';
import { cpuFields, higher, type Scenario, WindowMeter } from './scenario.js';

/** A client log line without Go's date/time prefix, shortened. */
function clean(line: string): string {
  return line.replace(/^\S+ \S+ [A-Z] \| /, '').slice(0, 200);
}

const STATS_LINE = /Stats: sent=(\d+) \((\d+)\/sec\), recv=(\d+) \((\d+)\/sec\)/;

/**
 * Upstream's own load client (`nextcloud-spreed-signaling-client`, Debian 0.4.1) against the
 * server: it starts its own backend, opens `-maxClients` sessions, and every client sends 1:1
 * messages to random others with a 1 ms pause, logging rates every 10 s. The first stats line is
 * taken, then the client gets SIGINT by PID.
 *
 * It derives public session ids from the resume ids with the `[sessions]` keys (gorilla
 * securecookie), and its hello URL is `<its backend>/auth`: both assume Go 0.4.x internals, so
 * it can fail against other servers; the failure is reported as the reason for n/a.
 */
export const upstreamClientScenario: Scenario = {
  number: 8,
  id: 'upstreamClient',
  title: 'upstream load client (0.4.1), 1:1 random messages',
  requires: ['hello'],
  optional: true,
  async run({ server, profile, registry, pin, upstreamClientBin }) {
    const { clients, timeLimitS } = profile.upstreamClient;
    const child = registry.start(
      'upstream-client',
      upstreamClientBin,
      [
        '-addr',
        `127.0.0.1:${server.port}`,
        '-config',
        server.confPath,
        '-maxClients',
        String(clients),
      ],
      pin ? GENERATOR_CPU : undefined,
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: string[] = [];
    let onLine: ((line: string) => void) | undefined;
    for (const stream of [child.process.stdout, child.process.stderr]) {
      let buffer = '';
      stream?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (lines.length < 2000) {
            lines.push(line);
          }
          onLine?.(line);
          newline = buffer.indexOf('\n');
        }
      });
    }
    // The client logs failures and keeps waiting for all hellos, forever: fail on the first one.
    const fatal = (line: string) => /Received error|Received bye|panic|fatal/i.test(line);
    const waitFor = (match: (line: string) => boolean, ms: number) =>
      new Promise<string>((resolve, reject) => {
        const found = lines.find(match);
        if (found !== undefined) {
          resolve(found);
          return;
        }
        const failed = lines.find(fatal);
        if (failed !== undefined) {
          reject(new Error(clean(failed)));
          return;
        }
        const timer = setTimeout(() => reject(new Error(`timed out; ${lastLines()}`)), ms);
        onLine = (line) => {
          if (match(line)) {
            clearTimeout(timer);
            resolve(line);
          } else if (fatal(line)) {
            clearTimeout(timer);
            reject(new Error(clean(line)));
          }
        };
        void child.exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`client exited (${code}); ${lastLines()}`));
        });
      });
    const lastLines = () => lines.slice(-2).map(clean).join(' | ');
    try {
      await waitFor((l) => l.includes('All connections established'), (timeLimitS / 2) * 1000);
      const window = new WindowMeter(server.pid, [child.pid]);
      window.start();
      const stats = await waitFor((l) => STATS_LINE.test(l), (timeLimitS / 2) * 1000);
      const cpu = window.read();
      const match = STATS_LINE.exec(stats) as RegExpExecArray;
      const errors = lines.filter(fatal).length;
      return {
        metrics: [
          higher('recv', `received msg/s (${clients} clients)`, '/s', Number(match[4])),
          higher('sent', 'sent msg/s', '/s', Number(match[2])),
        ],
        ...cpuFields(cpu),
        notes: [
          `${clients} clients, first 10 s stats line${errors > 0 ? `, ${errors} error lines` : ''}`,
        ],
      };
    } finally {
      onLine = undefined;
      await registry.stop(child, 'SIGINT', 2000);
    }
  },
};
