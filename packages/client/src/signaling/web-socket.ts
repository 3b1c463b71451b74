import { ClientError } from '../util/client-error.js';

/** The part of the WHATWG `WebSocket` the client uses (browsers, Node 22, the `ws` package). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Opens a WebSocket to `url`. */
export type WebSocketFactory = (url: string) => WebSocketLike;

type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `WebSocket.OPEN`. */
export const OPEN = 1;

let cached: Promise<WebSocketFactory> | undefined;

/**
 * The default factory: the `ws` package where it can be loaded (Node), else the global
 * `WebSocket` (browsers, Deno, Node 22+).
 */
export function defaultWebSocketFactory(): Promise<WebSocketFactory> {
  cached ??= (async () => {
    // A variable specifier keeps bundlers from pulling `ws` into browser builds.
    const specifier = 'ws';
    try {
      const mod = (await import(specifier)) as {
        default?: WebSocketConstructor;
        WebSocket?: WebSocketConstructor;
      };
      const Ctor = mod.WebSocket ?? mod.default;
      if (Ctor !== undefined) {
        return (url: string) => new Ctor(url);
      }
    } catch {
      // Not installed (browser): fall back to the global below.
    }
    const Global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Global === undefined) {
      throw new ClientError('invalid_state', 'no WebSocket implementation available; pass one');
    }
    return (url: string) => new Global(url);
  })();
  return cached;
}

/** Text of a WebSocket message event's data (strings, Node Buffers, ArrayBuffers). */
export function messageText(data: unknown): string | undefined {
  if (typeof data === 'string') {
    return data;
  }
  if (data instanceof ArrayBuffer) {
    return new TextDecoder().decode(data);
  }
  if (ArrayBuffer.isView(data)) {
    return new TextDecoder().decode(data as Uint8Array);
  }
  return undefined;
}

/**
 * The signaling WebSocket URL from Talk's `server` setting, like the web client: pick one of
 * several servers at random, `https`→`wss`, `http`→`ws`, strip trailing slashes, add `/spreed`.
 */
export function signalingWebSocketUrl(server: string | readonly string[]): string {
  const list = typeof server === 'string' ? [server] : server;
  const picked = list[Math.floor(Math.random() * list.length)] ?? '';
  if (picked === '') {
    throw new ClientError(
      'not_talk',
      'Talk has no standalone signaling server configured (internal signaling is not supported)',
    );
  }
  const url = picked
    .trim()
    .replace(/^https:\/\//i, 'wss://')
    .replace(/^http:\/\//i, 'ws://')
    .replace(/\/+$/, '');
  return url.endsWith('/spreed') ? url : `${url}/spreed`;
}
