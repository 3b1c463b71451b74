import { ClientError } from '../util/client-error.js';
import type { WebSocketFactory, WebSocketLike } from './web-socket.js';

/** What happens on an opened socket. */
export interface SocketHandlers {
  onMessage(data: unknown): void;
  onClose(code: number, reason: string): void;
}

/**
 * Opens a WebSocket and resolves once it is open; rejects with `timeout` or `unreachable`.
 * The handlers are attached before opening, so no frame is lost (the server sends `welcome`
 * right after the upgrade).
 */
export function openSocket(
  factory: WebSocketFactory,
  url: string,
  timeoutMs: number,
  handlers: SocketHandlers,
): Promise<WebSocketLike> {
  return new Promise((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      socket = factory(url);
    } catch (cause) {
      reject(new ClientError('wrong_url', `bad signaling URL ${url}`, { cause }));
      return;
    }
    const timer = setTimeout(() => {
      reject(
        new ClientError('timeout', `signaling server ${url} did not accept within ${timeoutMs} ms`),
      );
      socket.close();
    }, timeoutMs);
    socket.onopen = () => {
      clearTimeout(timer);
      resolve(socket);
    };
    socket.onerror = () => undefined;
    socket.onmessage = (event) => handlers.onMessage(event.data);
    socket.onclose = (event) => {
      clearTimeout(timer);
      reject(
        new ClientError('unreachable', `cannot connect to signaling server ${url} (${event.code})`),
      );
      handlers.onClose(event.code, event.reason);
    };
  });
}
