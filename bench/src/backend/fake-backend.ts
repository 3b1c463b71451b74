import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Path the signaling server POSTs its `auth`/`room`/`ping`/`session` requests to (v1 and v3). */
export const SIGNALING_BACKEND_PATH = '/ocs/v2.php/apps/spreed/api/v1/signaling/backend';
const SIGNALING_BACKEND_PATH_V3 = '/ocs/v2.php/apps/spreed/api/v3/signaling/backend';
const CAPABILITIES_PATH = '/ocs/v2.php/cloud/capabilities';
/** Request counters, for sanity checks of a run (`GET /bench/stats`). */
export const STATS_PATH = '/bench/stats';

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };

/** Wraps `data` in the OCS envelope Talk uses. */
function ocs(data: unknown): string {
  return JSON.stringify({
    ocs: { meta: { status: 'ok', statuscode: 200, message: 'OK' }, data },
  });
}

const CAPABILITIES = ocs({
  version: { major: 30, minor: 0, micro: 0, string: '30.0.0' },
  capabilities: { spreed: { features: [], config: {} } },
});

/**
 * The backend's answer to one signaling request. Everything is accepted: the bench measures the
 * signaling server, so the backend answers at once and skips the checksum check (both servers sign
 * their requests; verifying would only add generator-side CPU).
 */
export function answer(body: unknown): unknown {
  const request = (body ?? {}) as Record<string, Record<string, unknown> | string | undefined>;
  const type = typeof request.type === 'string' ? request.type : '';
  const inner = (typeof request[type] === 'object' ? request[type] : {}) as Record<string, unknown>;
  switch (type) {
    case 'auth': {
      const params = (inner.params ?? {}) as Record<string, unknown>;
      const userid = typeof params.userid === 'string' ? params.userid : 'bench-user';
      return { type: 'auth', auth: { version: '1.0', userid, user: {} } };
    }
    case 'room':
      return {
        type: 'room',
        room: {
          version: '1.0',
          roomid: inner.roomid,
          properties: { name: String(inner.roomid), type: 3 },
        },
      };
    case 'ping':
      return { type: 'ping', ping: { version: '1.0', roomid: inner.roomid } };
    case 'session':
      return { type: 'session', session: { version: '1.0', roomid: inner.roomid } };
    default:
      return {
        type: 'error',
        error: { code: 'invalid_request', message: `unsupported request ${type}` },
      };
  }
}

/** A running fake Nextcloud/Talk backend on 127.0.0.1. */
export interface FakeBackend {
  readonly port: number;
  readonly counts: Record<string, number>;
  close(): Promise<void>;
}

/** Starts the backend on `127.0.0.1:port` (0 = any free port). */
export async function startFakeBackend(port = 0): Promise<FakeBackend> {
  const counts: Record<string, number> = {};
  const count = (key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === CAPABILITIES_PATH) {
      count('capabilities');
      res.writeHead(200, { ...JSON_HEADERS, 'Cache-Control': 'max-age=3600' });
      res.end(CAPABILITIES);
      return;
    }
    if (req.method === 'GET' && path === STATS_PATH) {
      res.writeHead(200, JSON_HEADERS);
      res.end(JSON.stringify(counts));
      return;
    }
    if (
      req.method !== 'POST' ||
      (path !== SIGNALING_BACKEND_PATH && path !== SIGNALING_BACKEND_PATH_V3)
    ) {
      count('not-found');
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const reply = answer(body) as { type: string; room?: unknown };
      const action = (body as { room?: { action?: unknown } } | undefined)?.room?.action;
      count(action === 'leave' ? 'room-leave' : reply.type);
      res.writeHead(200, JSON_HEADERS);
      res.end(ocs(reply));
    });
  });
  server.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
