import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** A request the fake received, as sent. */
export type FakeRequest = Record<string, unknown> & { janus: string; transaction: string };

/** Decides how the fake answers a request: frames to send, or `drop` to stay silent. */
export type FakeResponder = (
  request: FakeRequest,
  janus: FakeJanus,
) => unknown[] | 'drop' | undefined;

interface FakeHandle {
  id: number;
  session: number;
  socket: WebSocket;
  room?: number;
  role?: 'publisher' | 'subscriber';
  feed?: number;
}

/**
 * A scripted stand-in for Janus's WebSocket API, for faults a real Janus will not produce on
 * demand (dropped transactions, malformed frames, a restart at an exact moment). It answers the
 * requests the signaling server sends — info, create, attach, keepalive, detach, destroy, trickle
 * and the videoroom's create/join/configure/start/destroy — like Janus 1.1 does. `respond`
 * overrides the answer per request. Test support only.
 */
export class FakeJanus {
  readonly #server: WebSocketServer;
  readonly requests: FakeRequest[] = [];
  readonly #sessions = new Set<number>();
  readonly #handles = new Map<number, FakeHandle>();
  readonly #rooms = new Map<number, { publisher?: number; connected: boolean }>();
  #nextId = 1000;
  /** Overrides the answer to requests (return undefined to get the default answer). */
  respond: FakeResponder | undefined;
  /** `info` says Janus is this version (≥ 1000: multistream). */
  version = 1102;
  /** Whether a joined publisher counts as sending right away (else join answers 428). */
  publishersSendAtOnce = true;

  private constructor(server: WebSocketServer) {
    this.#server = server;
    server.on('connection', (socket) => {
      socket.on('message', (data) => this.#receive(socket, data.toString()));
    });
  }

  /** Starts the fake on 127.0.0.1 with a free port. */
  static async start(port = 0): Promise<FakeJanus> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port,
      handleProtocols: (protocols) => (protocols.has('janus-protocol') ? 'janus-protocol' : false),
    });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return new FakeJanus(server);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Open client connections. */
  get connections(): number {
    return this.#server.clients.size;
  }

  /** Requests of one kind (`janus`, or a videoroom `body.request`). */
  sent(kind: string): FakeRequest[] {
    return this.requests.filter(
      (r) => r.janus === kind || (r.body as { request?: string } | undefined)?.request === kind,
    );
  }

  /** Resolves once a request of `kind` arrived (counting those already received). */
  async waitFor(kind: string, count = 1, timeoutMs = 5_000): Promise<FakeRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.sent(kind);
      if (found.length >= count) {
        return found[count - 1] as FakeRequest;
      }
      if (Date.now() > deadline) {
        throw new Error(`fake janus: no ${kind} request #${count}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Sends a raw text frame to every client. */
  broadcast(text: string): void {
    for (const client of this.#server.clients) {
      client.send(text);
    }
  }

  /** Sends an event for `handle` to its connection. */
  event(handle: number, frame: Record<string, unknown>): void {
    const h = this.#handles.get(handle);
    h?.socket.send(JSON.stringify({ session_id: h.session, sender: handle, ...frame }));
  }

  /** The handle ids of joined publishers / subscribers. */
  handles(role: 'publisher' | 'subscriber'): number[] {
    return [...this.#handles.values()].filter((h) => h.role === role).map((h) => h.id);
  }

  /** Marks the publisher of `room` as sending (webrtcup) and tells its handle. */
  publisherUp(room: number): void {
    const r = this.#rooms.get(room);
    if (r === undefined) {
      return;
    }
    r.connected = true;
    if (r.publisher !== undefined) {
      this.event(r.publisher, { janus: 'webrtcup' });
    }
  }

  /** Rooms currently existing. */
  get rooms(): number[] {
    return [...this.#rooms.keys()];
  }

  /** Drops every connection and forgets all state, like a Janus restart. */
  restart(): void {
    for (const client of this.#server.clients) {
      client.terminate();
    }
    this.#sessions.clear();
    this.#handles.clear();
    this.#rooms.clear();
  }

  async close(): Promise<void> {
    for (const client of this.#server.clients) {
      client.terminate();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #receive(socket: WebSocket, text: string): void {
    const request = JSON.parse(text) as FakeRequest;
    this.requests.push(request);
    const custom = this.respond?.(request, this);
    if (custom === 'drop') {
      return;
    }
    const frames = custom ?? this.#answer(socket, request);
    for (const frame of frames) {
      socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    }
  }

  #answer(socket: WebSocket, r: FakeRequest): unknown[] {
    const t = r.transaction;
    const session = r.session_id as number | undefined;
    const error = (code: number, reason: string) => [
      { janus: 'error', transaction: t, error: { code, reason } },
    ];
    if (r.janus !== 'info' && r.janus !== 'create' && !this.#sessions.has(session ?? -1)) {
      return error(458, 'No such session');
    }
    switch (r.janus) {
      case 'info':
        return [
          {
            janus: 'server_info',
            transaction: t,
            name: 'Fake Janus',
            version: this.version,
            version_string: String(this.version),
            data_channels: true,
            'full-trickle': true,
            plugins: { 'janus.plugin.videoroom': { name: 'VideoRoom' } },
          },
        ];
      case 'create': {
        const id = ++this.#nextId;
        this.#sessions.add(id);
        return [{ janus: 'success', transaction: t, data: { id } }];
      }
      case 'destroy':
        this.#sessions.delete(session as number);
        return [{ janus: 'success', transaction: t, session_id: session }];
      case 'keepalive':
        return [{ janus: 'ack', transaction: t, session_id: session }];
      case 'attach': {
        const id = ++this.#nextId;
        this.#handles.set(id, { id, session: session as number, socket });
        return [{ janus: 'success', transaction: t, session_id: session, data: { id } }];
      }
      case 'detach':
        this.#handles.delete(r.handle_id as number);
        return [{ janus: 'success', transaction: t, session_id: session }];
      case 'trickle':
        return [{ janus: 'ack', transaction: t, session_id: session }];
      case 'message':
        return this.#videoroom(r);
      default:
        return error(453, 'Unknown request');
    }
  }

  #videoroom(r: FakeRequest): unknown[] {
    const t = r.transaction;
    const handle = this.#handles.get(r.handle_id as number);
    if (handle === undefined) {
      return [{ janus: 'error', transaction: t, error: { code: 459, reason: 'No such handle' } }];
    }
    const body = (r.body ?? {}) as Record<string, unknown>;
    const base = { session_id: handle.session, sender: handle.id };
    const success = (data: Record<string, unknown>) => [
      {
        janus: 'success',
        transaction: t,
        ...base,
        plugindata: { plugin: 'janus.plugin.videoroom', data },
      },
    ];
    const event = (data: Record<string, unknown>, jsep?: Record<string, unknown>) => [
      { janus: 'ack', transaction: t, session_id: handle.session },
      {
        janus: 'event',
        transaction: t,
        ...base,
        plugindata: { plugin: 'janus.plugin.videoroom', data },
        ...(jsep ? { jsep } : {}),
      },
    ];
    const room = body.room as number;
    switch (body.request) {
      case 'create': {
        const id = ++this.#nextId;
        this.#rooms.set(id, { connected: false });
        return success({ videoroom: 'created', room: id, permanent: false });
      }
      case 'destroy': {
        this.#rooms.delete(room);
        for (const h of this.#handles.values()) {
          if (h.room === room && h.id !== handle.id) {
            this.event(h.id, {
              janus: 'event',
              plugindata: {
                plugin: 'janus.plugin.videoroom',
                data: { videoroom: 'destroyed', room },
              },
            });
          }
        }
        return success({ videoroom: 'destroyed', room });
      }
      case 'join': {
        const r2 = this.#rooms.get(room);
        if (r2 === undefined) {
          return event({ videoroom: 'event', error_code: 426, error: 'No such room' });
        }
        if (body.ptype === 'publisher') {
          handle.room = room;
          handle.role = 'publisher';
          r2.publisher = handle.id;
          r2.connected = this.publishersSendAtOnce;
          return event({ videoroom: 'joined', room, id: body.id, publishers: [] });
        }
        if (handle.role === 'subscriber') {
          return event({
            videoroom: 'event',
            error_code: 425,
            error: 'Already in as a subscriber',
          });
        }
        if (!r2.connected) {
          return event({ videoroom: 'event', error_code: 428, error: 'No such feed' });
        }
        handle.room = room;
        handle.role = 'subscriber';
        return event(
          { videoroom: 'attached', room, streams: [{ type: 'audio', active: true }] },
          { type: 'offer', sdp: fakeSdp('offer') },
        );
      }
      case 'configure':
        if (handle.role === 'publisher' && r.jsep !== undefined) {
          return event(
            { videoroom: 'event', configured: 'ok', room: handle.room },
            { type: 'answer', sdp: fakeSdp('answer') },
          );
        }
        if (body.update === true) {
          return event(
            { videoroom: 'event', configured: 'ok' },
            { type: 'offer', sdp: fakeSdp('offer') },
          );
        }
        return event({ videoroom: 'event', configured: 'ok' });
      case 'start':
        return event({ videoroom: 'event', started: 'ok', room });
      default:
        return event({ videoroom: 'event', error_code: 423, error: 'Invalid request' });
    }
  }
}

/** A small syntactically valid session description. */
export function fakeSdp(kind: string): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 127.0.0.1`,
    `s=${kind}`,
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 127.0.0.1',
    'a=mid:0',
    'a=rtpmap:111 opus/48000/2',
    '',
  ].join('\r\n');
}
