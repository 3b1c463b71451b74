import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { SoakClient } from './soak-client.js';

/** Where the faults are aimed. */
export interface FaultTarget {
  wsUrl: string;
  httpUrl: string;
  /** `hello.auth.url` of the backend. */
  helloUrl: string;
}

/** What the hostile parts saw, for the report. */
export interface FaultOutcomes {
  /** Answers to hostile frames, by error code or close code. */
  hostileAnswers: Map<string, number>;
  /** HTTP statuses of hostile backend requests. */
  backendStatuses: Map<number, number>;
  /** Slow readers the server cut off / that were still open when checked. */
  slowReadersClosed: number;
  slowReadersOpen: number;
  /** Slowloris sockets the server closed before the client gave up. */
  slowlorisClosed: number;
  slowlorisOpen: number;
}

export function newOutcomes(): FaultOutcomes {
  return {
    hostileAnswers: new Map(),
    backendStatuses: new Map(),
    slowReadersClosed: 0,
    slowReadersOpen: 0,
    slowlorisClosed: 0,
    slowlorisOpen: 0,
  };
}

const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

/** Frames no client should send: too deep, too big, not JSON, not text, wrong shapes. */
function hostileFrames(): Array<[string, string | Buffer]> {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  return [
    [
      'deep transient',
      `{"type":"transient","transient":{"type":"set","key":"k","value":${deep(5_000)}}}`,
    ],
    [
      'deep message',
      `{"type":"message","message":{"recipient":{"type":"room"},"data":${deep(30_000)}}}`,
    ],
    ['deep array', deep(30_000)],
    ['truncated', '{"type":"message"'],
    ['wrong type', '{"type":"room","room":{"roomid":{"x":1}}}'],
    [
      '80 KB frame',
      `{"type":"message","message":{"recipient":{"type":"room"},"data":"${'x'.repeat(80_000)}"}}`,
    ],
    ['binary', Buffer.from([0x01, 0x02, 0x03])],
    ['control characters', '\u0000\uffff'],
    ['array', '[]'],
    ['null', 'null'],
  ];
}

/** A client that sends everything {@link hostileFrames} has, reconnecting when it is thrown out. */
export async function hostileClient(
  target: FaultTarget,
  userId: string,
  outcomes: FaultOutcomes,
): Promise<void> {
  let client = await SoakClient.connect(target.wsUrl);
  const closed = (c: SoakClient) =>
    new Promise<number>((resolve) => {
      c.onClose = resolve;
    });
  let gone = closed(client);
  const hello = await client.request(helloFrame(target.helloUrl, userId));
  if (hello.type !== 'hello') {
    bump(outcomes.hostileAnswers, 'hello failed');
  }
  for (const [name, frame] of hostileFrames()) {
    if (!client.open) {
      client = await SoakClient.connect(target.wsUrl);
      gone = closed(client);
    }
    const answered = new Promise<string>((resolve) => {
      client.onFrame = (f) => {
        if (f.type === 'error') {
          resolve(`error ${(f.error as { code?: string }).code}`);
        }
      };
      void gone.then((code) => resolve(`close ${code}`));
      setTimeout(() => resolve('no answer'), 2_000).unref();
    });
    if (typeof frame === 'string') {
      client.sendText(frame);
    } else {
      client.sendBinary(frame);
    }
    bump(outcomes.hostileAnswers, `${name}: ${await answered}`);
  }
  client.close();
}

/** Joins a room where a flood goes and stops reading: the server must cut it off, not buffer. */
export async function slowReader(
  target: FaultTarget,
  roomId: string,
  flood: (room: string) => Promise<void>,
  outcomes: FaultOutcomes,
): Promise<void> {
  const reader = await SoakClient.connect(target.wsUrl);
  let closed = false;
  reader.onClose = () => {
    closed = true;
  };
  await reader.request(helloFrame(target.helloUrl, `slow-${roomId}`));
  await reader.request({ type: 'room', room: { roomid: roomId, sessionid: `slow-${roomId}` } });
  reader.stopReading();
  await flood(roomId);
  await delay(1_000);
  // A paused socket cannot see its close: read what is buffered, then look.
  reader.onFrame = undefined;
  reader.resumeReading();
  const until = Date.now() + 10_000;
  while (!closed && Date.now() < until) {
    await delay(100);
  }
  if (closed) {
    outcomes.slowReadersClosed++;
  } else {
    outcomes.slowReadersOpen++;
    reader.cut();
  }
}

/** Sends `count` room messages of `bytes` each as fast as one client can. */
export async function flood(
  target: FaultTarget,
  roomId: string,
  count: number,
  bytes: number,
): Promise<void> {
  const sender = await SoakClient.connect(target.wsUrl);
  await sender.request(helloFrame(target.helloUrl, `flood-${roomId}`));
  await sender.request({ type: 'room', room: { roomid: roomId, sessionid: `flood-${roomId}` } });
  const text = JSON.stringify({
    type: 'message',
    message: { recipient: { type: 'room' }, data: { type: 'flood', pad: 'f'.repeat(bytes) } },
  });
  for (let i = 0; i < count && sender.open; i++) {
    sender.sendText(text);
    if (i % 200 === 199) {
      await delay(1);
    }
  }
  sender.close();
}

/** Backend API requests that must be refused: unsigned, badly signed, not JSON, too deep. */
export async function hostileBackendRequests(
  target: FaultTarget,
  outcomes: FaultOutcomes,
): Promise<void> {
  const bodies = [
    '{}',
    'not json',
    `{"type":"message","message":{"data":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`,
  ];
  for (const body of bodies) {
    for (const headers of [
      { 'Content-Type': 'application/json' },
      {
        'Content-Type': 'application/json',
        'Spreed-Signaling-Random': 'r'.repeat(64),
        'Spreed-Signaling-Checksum': 'f'.repeat(64),
      },
    ]) {
      try {
        const res = await fetch(`${target.httpUrl}api/v1/room/soak`, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        bump(outcomes.backendStatuses, res.status);
      } catch {
        bump(outcomes.backendStatuses, 0);
      }
    }
  }
}

/** Sockets that send a request header one byte at a time; the server must close them. */
export async function slowloris(
  target: FaultTarget,
  sockets: number,
  seconds: number,
  outcomes: FaultOutcomes,
): Promise<void> {
  const url = new URL(target.httpUrl);
  const head = `GET /spreed HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n`;
  await Promise.all(
    Array.from({ length: sockets }, async () => {
      const socket = connect(Number(url.port), url.hostname);
      let closed = false;
      socket.on('error', () => undefined);
      socket.on('close', () => {
        closed = true;
      });
      const until = Date.now() + seconds * 1_000;
      for (let i = 0; Date.now() < until && !closed; i++) {
        socket.write(head[i % head.length] as string);
        await delay(1_000);
      }
      if (closed) {
        outcomes.slowlorisClosed++;
      } else {
        outcomes.slowlorisOpen++;
      }
      socket.destroy();
    }),
  );
}

/** Sessions that come and go in a room without sending anything (join/leave events for all). */
export async function churn(target: FaultTarget, roomId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const client = await SoakClient.connect(target.wsUrl);
    await client.request(helloFrame(target.helloUrl, `churn-${i}`));
    await client.request({ type: 'room', room: { roomid: roomId, sessionid: `churn-${i}` } });
    await client.request({ type: 'room', room: { roomid: '' } });
    client.send({ type: 'bye', bye: {} });
    client.close();
  }
}

/** A hello v1 for the bench backend, which accepts any user. */
export function helloFrame(helloUrl: string, userId: string): Record<string, unknown> {
  return {
    type: 'hello',
    hello: { version: '1.0', auth: { url: helloUrl, params: { userid: userId, ticket: 'soak' } } },
  };
}
