import type { Duplex } from 'node:stream';
import WebSocket from 'ws';

/** The parts of a server frame the bench looks at. */
export interface ServerFrame {
  id?: string;
  type: string;
  error?: { code: string; message: string };
  hello?: { sessionid: string; resumeid: string; userid: string };
  room?: { roomid: string };
  event?: { target: string; type: string };
  [key: string]: unknown;
}

/** A request failed: error frame, timeout or closed connection. */
export class RequestError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
  }
}

interface Pending {
  expect: string;
  resolve: (frame: ServerFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** Relayed `message` frames start with this (both servers put `type` first). */
const MESSAGE_PREFIX = Buffer.from('{"type":"message"');
/** Event frames (join/leave/participants) are only counted, never parsed: some are large. */
const EVENT_PREFIX = Buffer.from('{"type":"event"');
/** The bench payload ends with this key followed by the send time in µs. */
const TIME_KEY = Buffer.from('"t":');

/** Microseconds on the generator's monotonic clock; payloads carry it as `"t"`. */
export function nowMicros(): number {
  return Math.round(performance.now() * 1000);
}

/**
 * Reads the `"t":<µs>` stamp of a bench payload from a relayed frame without parsing the JSON.
 * The stamp is the payload's last key and `data` the relayed message's last key, so the search
 * starts from the end. Returns -1 when the frame carries no stamp.
 */
export function readStamp(frame: Buffer): number {
  const at = frame.lastIndexOf(TIME_KEY);
  if (at < 0) {
    return -1;
  }
  let value = 0;
  let digits = 0;
  for (let i = at + TIME_KEY.length; i < frame.length; i++) {
    const c = frame[i] as number;
    if (c < 0x30 || c > 0x39) {
      break;
    }
    value = value * 10 + (c - 0x30);
    digits++;
  }
  return digits > 0 ? value : -1;
}

function startsWith(frame: Buffer, prefix: Buffer): boolean {
  return (
    frame.length > prefix.length && frame.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
  );
}

/** Whether `frame` is a relayed message (`{"type":"message",…`). */
export function isMessageFrame(frame: Buffer): boolean {
  return startsWith(frame, MESSAGE_PREFIX);
}

function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/**
 * How the load generator writes. `realistic` (the default) is what browsers and Talk's mobile
 * clients do: every WebSocket message is its own write, with a random mask key. `corked` batches
 * the frames of one tick into one write with all-zero masks; it saves generator CPU but hands the
 * server several frames per read, which real clients never do, so its figures flatter any server
 * whose cost is per read. Kept as a labelled secondary mode.
 */
export type ClientMode = 'realistic' | 'corked';

let clientMode: ClientMode = 'realistic';

/** Sets the write mode of every client opened from now on. */
export function setClientMode(mode: ClientMode): void {
  clientMode = mode;
}

/** The current write mode. */
export function getClientMode(): ClientMode {
  return clientMode;
}

/**
 * One signaling client of the load generator. Control traffic (hello, room, errors) is parsed and
 * matched to requests by `id`; relayed messages take a fast path (`onMessage`) that only reads the
 * time stamp. Works with servers that send a `welcome` first (spreed-ts) and those that do not
 * (Go 0.4.1): the welcome is simply ignored.
 */
export class BenchClient {
  readonly ws: WebSocket;
  sessionId = '';
  userId = '';
  roomId = '';
  /** Relayed messages (hot path). `stamp` is the sender's time in µs, -1 if absent. */
  onMessage: ((stamp: number, frame: Buffer) => void) | undefined;
  /** Other frames that answer no request (welcome, unsolicited room frames, errors). */
  onFrame: ((frame: ServerFrame) => void) | undefined;
  /** Count of `event` frames received (not parsed). */
  events = 0;
  readonly #pending = new Map<string, Pending>();
  #nextId = 1;
  #closed = false;

  readonly #socket: Duplex | undefined;
  #corked = false;

  readonly #corkWrites: boolean;

  private constructor(ws: WebSocket, socket: Duplex | undefined) {
    this.ws = ws;
    this.#socket = socket;
    this.#corkWrites = clientMode === 'corked';
    ws.on('message', (data: Buffer) => this.#receive(data));
    ws.on('close', () => this.#fail(new RequestError('closed', 'connection closed')));
    ws.on('error', () => this.#fail(new RequestError('closed', 'connection error')));
  }

  /** Opens a WebSocket to `url`. */
  static connect(url: string, timeoutMs: number): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: timeoutMs,
        maxPayload: 1 << 20,
        // Corked mode: an all-zero mask makes ws skip masking (and the random fill per frame).
        // Realistic mode keeps ws's random mask per frame, as browsers do.
        ...(clientMode === 'corked' ? { generateMask: zeroMask } : {}),
      });
      const onError = (err: Error) => {
        ws.terminate();
        reject(new RequestError('connect', err.message));
      };
      let socket: Duplex | undefined;
      ws.once('upgrade', (response) => {
        socket = response.socket;
      });
      ws.once('error', onError);
      ws.once('open', () => {
        ws.off('error', onError);
        resolve(new BenchClient(ws, socket));
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #receive(data: Buffer): void {
    if (isMessageFrame(data)) {
      this.onMessage?.(readStamp(data), data);
      return;
    }
    if (startsWith(data, EVENT_PREFIX)) {
      this.events++;
      return;
    }
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data.toString('utf8')) as ServerFrame;
    } catch {
      return;
    }
    const pending = frame.id === undefined ? undefined : this.#pending.get(frame.id);
    if (pending && frame.id !== undefined) {
      this.#pending.delete(frame.id);
      clearTimeout(pending.timer);
      if (frame.type === 'error') {
        pending.reject(
          new RequestError(frame.error?.code ?? 'error', frame.error?.message ?? 'error'),
        );
      } else {
        pending.resolve(frame);
      }
      return;
    }
    this.onFrame?.(frame);
  }

  #fail(err: Error): void {
    this.#closed = true;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.reject(err);
    }
  }

  /** Sends `message` with a fresh `id` and waits for the reply carrying that id. */
  request(
    message: Record<string, unknown>,
    expect: string,
    timeoutMs: number,
  ): Promise<ServerFrame> {
    if (this.#closed) {
      return Promise.reject(new RequestError('closed', 'connection closed'));
    }
    const id = String(this.#nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RequestError('timeout', `no ${expect} reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { expect, resolve, reject, timer });
      this.ws.send(JSON.stringify({ id, ...message }));
    });
  }

  /** hello v1 with `params.userid`, which the bench backend returns as the user id. */
  async hello(helloUrl: string, userid: string, timeoutMs: number): Promise<void> {
    const reply = await this.request(
      {
        type: 'hello',
        hello: { version: '1.0', auth: { url: helloUrl, params: { userid, ticket: 'bench' } } },
      },
      'hello',
      timeoutMs,
    );
    this.sessionId = reply.hello?.sessionid ?? '';
    this.userId = reply.hello?.userid ?? '';
  }

  /** Joins `roomId` with Talk session id `roomSessionId`. */
  async join(roomId: string, roomSessionId: string, timeoutMs: number): Promise<void> {
    const reply = await this.request(
      { type: 'room', room: { roomid: roomId, sessionid: roomSessionId } },
      'room',
      timeoutMs,
    );
    this.roomId = reply.room?.roomid ?? roomId;
  }

  /** Leaves the current room (both servers answer with `room.roomid: ""`). */
  async leave(timeoutMs: number): Promise<void> {
    await this.request({ type: 'room', room: { roomid: '' } }, 'room', timeoutMs);
    this.roomId = '';
  }

  /** Sends a pre-serialised frame. */
  send(text: string): void {
    if (this.#closed) {
      return;
    }
    // Corked mode: frames sent in the same tick leave in one write (ws corks per frame; this
    // outer cork holds them until the tick ends). Realistic mode: one write per frame.
    if (this.#corkWrites && !this.#corked && this.#socket) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    this.ws.send(text);
  }

  readonly #uncork = () => {
    this.#corked = false;
    this.#socket?.uncork();
  };

  /** Drops the connection without a close handshake. */
  terminate(): void {
    this.#closed = true;
    this.ws.terminate();
  }
}
