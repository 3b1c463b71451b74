import net from 'node:net';

/** A raw TCP connection to a server under test, with what it received and when it closed. */
export interface RawConnection {
  socket: net.Socket;
  /** Everything received so far, as latin1 text. */
  readonly received: string;
  /** Milliseconds from the connect to the close (undefined while open). */
  readonly closedAfterMs: number | undefined;
  /** Resolves with the milliseconds from the connect to the close, or undefined after `withinMs`. */
  closedWithin(withinMs: number): Promise<number | undefined>;
  /** Resolves once `received` contains `text` (rejects after `withinMs`). */
  receivedText(text: string, withinMs: number): Promise<void>;
  /** Writes one byte of `text` every `everyMs` (starting over at its end) until closed. */
  drip(text: string, everyMs: number): void;
  destroy(): void;
}

/** Connects to 127.0.0.1:`port`. */
export async function rawConnect(port: number): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const start = performance.now();
  let received = '';
  let closedAfterMs: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const listeners = new Set<() => void>();
  socket.on('data', (data: Buffer) => {
    received += data.toString('latin1');
    for (const listener of listeners) {
      listener();
    }
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closedAfterMs = performance.now() - start;
    clearInterval(timer);
    for (const listener of listeners) {
      listener();
    }
  });
  const connection: RawConnection = {
    socket,
    get received() {
      return received;
    },
    get closedAfterMs() {
      return closedAfterMs;
    },
    closedWithin(withinMs) {
      return new Promise((resolve) => {
        const check = () => {
          if (closedAfterMs !== undefined) {
            done();
          }
        };
        const done = () => {
          clearTimeout(deadline);
          listeners.delete(check);
          resolve(closedAfterMs);
        };
        const deadline = setTimeout(done, withinMs);
        listeners.add(check);
        check();
      });
    },
    receivedText(text, withinMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.includes(text)) {
            clearTimeout(deadline);
            listeners.delete(check);
            resolve();
          }
        };
        const deadline = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`"${text}" not received within ${withinMs} ms, got: ${received}`));
        }, withinMs);
        listeners.add(check);
        check();
      });
    },
    drip(text, everyMs) {
      let at = 0;
      timer = setInterval(() => {
        if (!socket.destroyed && socket.writable) {
          socket.write(text[at % text.length] ?? '');
          at += 1;
        }
      }, everyMs);
    },
    destroy() {
      clearInterval(timer);
      socket.destroy();
    },
  };
  return connection;
}
