import { Socket, type SocketConstructorOpts } from 'node:net';

/**
 * Reads of plain TCP sockets into one shared buffer, through the `onread` mechanism node offers
 * for client sockets (`net.connect({ onread })`): no 64 KiB allocation, `Buffer` object and
 * stream bookkeeping per read. A chunk is only valid during the callback.
 */
export type BorrowedReader = (chunk: Buffer) => void;

const SHARED = Buffer.allocUnsafe(64 * 1024);

/** The socket's own symbols under which node keeps an `onread` buffer and its callback. */
const symbols = findOnreadSymbols();

function findOnreadSymbols(): { buffer: symbol; callback: symbol } | undefined {
  const probeBuffer = Buffer.alloc(1);
  const probeCallback = () => undefined;
  // `onread` is documented for net.connect(); the Socket constructor takes it as well.
  const options = { onread: { buffer: probeBuffer, callback: probeCallback } };
  const probe = new Socket(options as SocketConstructorOpts);
  let buffer: symbol | undefined;
  let callback: symbol | undefined;
  const record = probe as unknown as Record<symbol, unknown>;
  for (const symbol of Object.getOwnPropertySymbols(probe)) {
    if (record[symbol] === probeBuffer) {
      buffer = symbol;
    } else if (record[symbol] === probeCallback) {
      callback = symbol;
    }
  }
  probe.destroy();
  return buffer !== undefined && callback !== undefined ? { buffer, callback } : undefined;
}

interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

/**
 * Makes `socket` deliver what it reads to `read` as borrowed chunks of the shared buffer instead
 * of 'data' events. Returns false (nothing changed) where that is not available: TLS sockets, a
 * socket whose stream holds unread data, or a node that keeps `onread` differently.
 */
export function readIntoSharedBuffer(socket: Socket, read: BorrowedReader): boolean {
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  if (
    symbols === undefined ||
    socket.constructor !== Socket ||
    // Data the stream holds already would wait for a 'data' listener that never comes.
    socket.readableLength > 0 ||
    handle === null ||
    handle === undefined ||
    typeof handle.useUserBuffer !== 'function'
  ) {
    return false;
  }
  const record = socket as unknown as Record<symbol, unknown>;
  record[symbols.buffer] = SHARED;
  record[symbols.callback] = (nread: number, buffer: Buffer) => {
    read(buffer.subarray(0, nread));
  };
  handle.useUserBuffer(SHARED);
  socket.resume();
  return true;
}
