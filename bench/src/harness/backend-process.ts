import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { SIGNALING_BACKEND_PATH, STATS_PATH } from '../backend/fake-backend.js';
import { type Child, GENERATOR_CPU, type ProcessRegistry, waitForLine } from './processes.js';

/** The fake backend child process. */
export interface BackendProcess {
  readonly pid: number;
  readonly port: number;
  /** Base URL, `http://127.0.0.1:PORT/`. */
  readonly baseUrl: string;
  /**
   * The URL clients put in `hello.auth.url`: the full signaling endpoint. Go 0.4.1 POSTs to it as
   * given; spreed-ts (like upstream 2.x) cuts it back to the base and appends the same path.
   */
  readonly helloUrl: string;
  readonly child: Child;
  /** Request counters of the backend so far. */
  counts(): Promise<Record<string, number>>;
}

/** Starts the backend pinned to the generator core and waits until it listens. */
export async function startBackendProcess(
  registry: ProcessRegistry,
  pin: boolean,
): Promise<BackendProcess> {
  const entry = fileURLToPath(new URL('../backend/backend-main.js', import.meta.url));
  const child = registry.start(
    'backend',
    process.execPath,
    [entry],
    pin ? GENERATOR_CPU : undefined,
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const line = await waitForLine(child, (l) => l.startsWith('listening '), 10_000);
  const port = Number(line.split(' ')[1]);
  const baseUrl = `http://127.0.0.1:${port}/`;
  return {
    pid: child.pid,
    port,
    baseUrl,
    helloUrl: `http://127.0.0.1:${port}${SIGNALING_BACKEND_PATH}`,
    child,
    counts: () => getJson(`http://127.0.0.1:${port}${STATS_PATH}`),
  };
}

function getJson(url: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('backend stats timed out')));
  });
}
