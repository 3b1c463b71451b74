import { WebSocket } from 'ws';

/** A decoded server frame, loosely typed for assertions. */
export type Frame = { id?: string; type: string } & Record<string, unknown>;

/** Options of {@link TestClient.connect}. */
export interface TestClientOptions {
  /** Default wait for `next()`. */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/**
 * A WebSocket client for tests: records every frame in order and lets a test await the next one
 * (optionally of a given type) with a timeout instead of sleeping.
 */
export class TestClient {
  readonly socket: WebSocket;
  readonly #frames: Frame[] = [];
  readonly #waiters: Array<() => void> = [];
  readonly #timeoutMs: number;
  /** HTTP headers of the upgrade response. */
  upgradeHeaders: Record<string, string | string[] | undefined> = {};
  /** Resolves with the close code once the socket closed. */
  readonly closed: Promise<number>;
  #nextId = 1;

  private constructor(socket: WebSocket, timeoutMs: number) {
    this.socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        return;
      }
      this.#frames.push(JSON.parse(data.toString()) as Frame);
      this.#wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code) => {
        resolve(code);
        this.#wake();
      });
    });
    socket.on('error', () => undefined);
  }

  /** Opens a connection to `url` (ws://host:port/spreed). */
  static connect(url: string, options: TestClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers: options.headers ?? {} });
      const client = new TestClient(socket, options.timeoutMs ?? 5000);
      socket.once('upgrade', (res) => {
        client.upgradeHeaders = res.headers;
      });
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) {
      waiter();
    }
  }

  /** Whether the socket is closed. */
  get isClosed(): boolean {
    return this.socket.readyState === WebSocket.CLOSED;
  }

  /** Sends a JSON message (an `id` is added unless present or `null`). Returns the id used. */
  send(message: Record<string, unknown>): string | undefined {
    let id: string | undefined;
    if (message.id === undefined) {
      id = String(this.#nextId++);
      message = { id, ...message };
    } else if (message.id === null) {
      const { id: _omit, ...rest } = message;
      message = rest;
    } else {
      id = String(message.id);
    }
    this.socket.send(JSON.stringify(message));
    return id;
  }

  /** Sends raw text or bytes. */
  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** Frames received and not yet consumed. */
  get buffered(): readonly Frame[] {
    return this.#frames;
  }

  /**
   * The next frame matching `filter` (a type name or predicate); frames before it that do not match
   * stay buffered. Rejects after the timeout or when the socket closes first.
   */
  async next(
    filter?: string | ((frame: Frame) => boolean),
    timeoutMs = this.#timeoutMs,
  ): Promise<Frame> {
    const match =
      filter === undefined
        ? () => true
        : typeof filter === 'string'
          ? (f: Frame) => f.type === filter
          : filter;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#frames.findIndex(match);
      if (index >= 0) {
        return this.#frames.splice(index, 1)[0] as Frame;
      }
      if (this.isClosed) {
        throw new Error(`socket closed while waiting for ${String(filter)}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out waiting for ${String(filter)}; buffered: ${JSON.stringify(this.#frames)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Asserts that no frame matching `filter` arrives within `ms`. */
  async expectNothing(filter?: string | ((frame: Frame) => boolean), ms = 200): Promise<void> {
    try {
      const frame = await this.next(filter, ms);
      throw new Error(`unexpected frame ${JSON.stringify(frame)}`);
    } catch (err) {
      if ((err as Error).message.startsWith('unexpected frame')) {
        throw err;
      }
    }
  }

  /** Closes the socket and waits for the close. */
  async close(): Promise<void> {
    if (!this.isClosed) {
      this.socket.close();
    }
    await this.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The features a new connection to `wsUrl` is welcomed with. */
export async function welcomeFeatures(wsUrl: string): Promise<string[]> {
  const client = await TestClient.connect(wsUrl);
  try {
    const welcome = await client.next('welcome');
    return (welcome.welcome as { features: string[] }).features;
  } finally {
    await client.close();
  }
}
