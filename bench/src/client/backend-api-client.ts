import http from 'node:http';
import { calculateChecksum, randomHex } from '@spreed-ts/protocol';

/** Result of one backend API request. */
export interface BackendApiResponse {
  status: number;
  body: string;
}

/**
 * Sends Talk's backend requests (`POST /api/v1/room/<roomid>`) to a signaling server, signed like
 * Nextcloud signs them: a fresh random per request and HMAC-SHA256 over random + body.
 */
export class BackendApiClient {
  readonly #agent: http.Agent;
  readonly #baseUrl: string;
  readonly #secret: string;
  readonly #backendUrl: string;

  /** `maxSockets` keep-alive connections to `serverHttpUrl` (`http://127.0.0.1:PORT`). */
  constructor(serverHttpUrl: string, secret: string, backendUrl: string, maxSockets: number) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets });
    this.#baseUrl = serverHttpUrl;
    this.#secret = secret;
    this.#backendUrl = backendUrl;
  }

  post(roomId: string, body: string, timeoutMs: number): Promise<BackendApiResponse> {
    const random = randomHex(32);
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${this.#baseUrl}/api/v1/room/${encodeURIComponent(roomId)}`,
        {
          method: 'POST',
          agent: this.#agent,
          timeout: timeoutMs,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            'OCS-APIRequest': 'true',
            'Spreed-Signaling-Random': random,
            'Spreed-Signaling-Checksum': calculateChecksum(random, body, this.#secret),
            'Spreed-Signaling-Backend': this.#backendUrl,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`backend API request timed out`)));
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** One Talk participant entry as Talk sends it in `incall` / `participants` requests. */
export function participantEntry(roomSessionId: string, userId: string, inCall: number): object {
  return {
    inCall,
    lastPing: Math.floor(Date.now() / 1000),
    sessionId: roomSessionId,
    participantType: 3,
    participantPermissions: 254,
    actorType: 'users',
    actorId: userId,
    userId,
  };
}
