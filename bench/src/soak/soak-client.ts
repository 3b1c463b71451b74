import WebSocket from 'ws';

/** A parsed server frame (only what the soak reads). */
export interface Frame {
  type: string;
  id?: string;
  [key: string]: unknown;
}

/**
 * A signaling client as browsers are: every frame its own write with a random mask (ws's
 * default), one JSON message per frame. Requests with an `id` are matched with their answers.
 */
export class SoakClient {
  readonly #ws: WebSocket;
  readonly #pending = new Map<
    string,
    { resolve: (f: Frame) => void; reject: (e: Error) => void }
  >();
  #nextId = 1;
  /** Every frame that answers no request. */
  onFrame: ((frame: Frame) => void) | undefined;
  /** Called once when the connection is gone (code, or 1006 when cut). */
  onClose: ((code: number) => void) | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString()) as Frame;
      } catch {
        return;
      }
      const waiter = frame.id === undefined ? undefined : this.#pending.get(frame.id);
      if (waiter !== undefined && frame.id !== undefined) {
        this.#pending.delete(frame.id);
        waiter.resolve(frame);
        return;
      }
      this.onFrame?.(frame);
    });
    ws.on('close', (code) => {
      for (const waiter of this.#pending.values()) {
        waiter.reject(new Error(`connection closed (${code})`));
      }
      this.#pending.clear();
      this.onClose?.(code);
    });
    ws.on('error', () => undefined);
  }

  /** Opens a connection and waits for the welcome. */
  static connect(url: string, timeoutMs = 10_000): Promise<SoakClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('no welcome'));
      }, timeoutMs);
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.once('message', () => {
        clearTimeout(timer);
        resolve(new SoakClient(ws));
      });
    });
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Sends `message` with a fresh id and resolves with the frame that answers it. */
  request(message: Record<string, unknown>, timeoutMs = 10_000): Promise<Frame> {
    const id = String(this.#nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`no answer to ${String(message.type)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.send({ id, ...message });
    });
  }

  /** Sends one frame (no answer expected). */
  send(message: Record<string, unknown>): void {
    this.sendText(JSON.stringify(message));
  }

  /** Sends text as one frame, whatever it holds. */
  sendText(text: string): void {
    if (this.open) {
      this.#ws.send(text);
    }
  }

  /** Sends a binary frame (not part of the protocol). */
  sendBinary(data: Buffer): void {
    if (this.open) {
      this.#ws.send(data, { binary: true });
    }
  }

  /** Stops reading (a peer whose application hangs); the server must not buffer forever. */
  stopReading(): void {
    this.#socket()?.pause();
  }

  /** Reads again (what the server sent meanwhile, and its close, if it closed). */
  resumeReading(): void {
    this.#socket()?.resume();
  }

  #socket(): { pause(): void; resume(): void } | undefined {
    return (this.#ws as unknown as { _socket?: { pause(): void; resume(): void } })._socket;
  }

  /** Cuts the TCP connection without a closing handshake (a network drop). */
  cut(): void {
    this.#ws.terminate();
  }

  /** Closes normally. */
  close(): void {
    if (this.open) {
      this.#ws.close(1000);
    }
  }
}
