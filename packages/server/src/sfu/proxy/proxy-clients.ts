import { EventEmitter } from 'node:events';
import type {
  JsonObject,
  ProxyEvent,
  ProxyPayloadResponse,
  ProxyServerMessage,
} from '@spreed-ts/protocol';
import type { Logger } from '../../logger.js';
import { SfuClosedError } from '../errors.js';
import type { McuData, StreamType } from '../mcu-data.js';
import { type CandidateFilter, filterSdpCandidates, parseSdp, SdpError } from '../sdp.js';
import type { JsonMap, SfuClientEvents, SfuPublisher, SfuSubscriber } from '../sfu.js';
import type { ProxyConnection } from './proxy-connection.js';

/** An `error` answer of a proxy (its code and message as the proxy sent them). */
export class ProxyRequestError extends Error {
  readonly code: string;

  constructor(proxy: string, code: string, message: string) {
    super(`proxy ${proxy} answered ${code}: ${message}`);
    this.name = 'ProxyRequestError';
    this.code = code;
  }
}

/** A proxy's answer to a request that is not what the request asks for (no usable SDP). */
export class ProxyAnswerError extends Error {
  constructor(proxy: string, request: string, why: string) {
    super(`proxy ${proxy} answered ${request} without a usable SDP: ${why}`);
    this.name = 'ProxyAnswerError';
  }
}

/** The SDP type a proxy answers with, by the type of the payload request that asks for one. */
const SDP_ANSWERS: Partial<Record<string, 'answer' | 'offer'>> = {
  offer: 'answer',
  requestoffer: 'offer',
  sendoffer: 'offer',
};

/**
 * The SDP of a proxy's answer to a payload request that asks for one: a `payload` answer whose
 * payload is `{type: expected, sdp}` with a parseable SDP; or why it is not.
 */
function answerSdp(answer: ProxyServerMessage, expected: string): string | { why: string } {
  if (answer.type !== 'payload') {
    return { why: `a ${answer.type} message` };
  }
  const body = answer.payload.payload;
  if (body === null || body === undefined) {
    return { why: 'no payload' };
  }
  if (body.type !== expected) {
    return { why: `payload type ${JSON.stringify(body.type)}, not ${expected}` };
  }
  if (typeof body.sdp !== 'string') {
    return { why: 'sdp is not a string' };
  }
  try {
    parseSdp(body.sdp);
  } catch (err) {
    return { why: err instanceof SdpError ? err.message : String(err) };
  }
  return body.sdp;
}

/**
 * Deletes of clients closed while their connection was down, by connection and client id. The
 * proxy keeps a session (and its publishers and subscribers) across a dropped WebSocket, so a
 * delete is sent once the session is resumed; a new session means the proxy dropped them anyway.
 */
const deferredDeletes = new WeakMap<ProxyConnection, Map<string, () => Promise<void>>>();

/** Runs `send` when `connection` resumes its session (dropped if the session is lost). */
function deleteOnResume(connection: ProxyConnection, clientId: string, send: () => Promise<void>) {
  let queue = deferredDeletes.get(connection);
  if (queue === undefined) {
    const deletes = new Map<string, () => Promise<void>>();
    queue = deletes;
    deferredDeletes.set(connection, deletes);
    connection.on('reset', () => deletes.clear());
    connection.on('ready', (resumed) => {
      const due = [...deletes.values()];
      deletes.clear();
      if (resumed) {
        for (const run of due) {
          void run();
        }
      }
    });
  }
  queue.set(clientId, send);
}

/** What every proxy client needs. */
export interface ProxyClientInit {
  /** The proxy's client id (`clientId` in payloads and events). */
  clientId: string;
  sid: string;
  streamType: StreamType;
  publisherId: string;
  connection: ProxyConnection;
  logger: Logger;
  filter: () => CandidateFilter;
}

/**
 * A publisher or subscriber on a proxy (upstream's proxyPubSubCommon): MCU messages of the client
 * become `payload` requests for the proxy's client id, and payloads and events the proxy sends
 * for that id come back as {@link SfuClientEvents}.
 */
abstract class ProxyClient extends EventEmitter<SfuClientEvents> {
  readonly id: string;
  sid: string;
  readonly streamType: StreamType;
  readonly publisherId: string;
  readonly connection: ProxyConnection;
  protected readonly logger: Logger;
  readonly #filter: () => CandidateFilter;
  #closed = false;

  constructor(init: ProxyClientInit) {
    super();
    this.id = init.clientId;
    this.sid = init.sid;
    this.streamType = init.streamType;
    this.publisherId = init.publisherId;
    this.connection = init.connection;
    this.logger = init.logger;
    this.#filter = init.filter;
  }

  get closed(): boolean {
    return this.#closed;
  }

  protected abstract readonly kind: 'publisher' | 'subscriber';

  async handle(data: McuData): Promise<JsonMap | undefined> {
    if (this.#closed) {
      throw new SfuClosedError(`${this.kind} closed`);
    }
    let payload = data.payload as JsonObject | undefined;
    if (payload !== undefined && typeof payload.sdp === 'string') {
      const filtered = filterSdpCandidates(payload.sdp, this.#filter());
      if (filtered !== undefined) {
        payload = { ...payload, sdp: filtered };
      }
    }
    const answer = await this.connection.request({
      type: 'payload',
      payload: {
        type: data.type,
        clientId: this.id,
        ...(data.sid === '' ? {} : { sid: data.sid }),
        ...(payload === undefined ? {} : { payload }),
      },
    });
    if (answer.type === 'error') {
      throw new ProxyRequestError(this.connection.name, answer.error.code, answer.error.message);
    }
    const expected = SDP_ANSWERS[data.type];
    if (expected === undefined) {
      // Candidates, answers, stream selection: nothing goes back to the client.
      return undefined;
    }
    const sdp = answerSdp(answer, expected);
    if (typeof sdp !== 'string') {
      throw new ProxyAnswerError(this.connection.name, data.type, sdp.why);
    }
    return { type: expected, sdp };
  }

  /** A payload the proxy sent for this client on its own. */
  payload(message: ProxyPayloadResponse): void {
    const body = message.payload ?? {};
    switch (message.type) {
      case 'candidate':
        if (typeof body.candidate === 'object' && body.candidate !== null) {
          this.emit('candidate', body.candidate as JsonMap);
        }
        return;
      case 'offer': {
        const offer = body.offer;
        if (typeof offer === 'object' && offer !== null && !Array.isArray(offer)) {
          this.emit('updateOffer', offer as JsonMap);
          return;
        }
        break;
      }
    }
    this.logger.debug('unsupported payload from proxy', {
      proxy: this.connection.name,
      client: this.id,
      type: message.type,
    });
  }

  /** An event the proxy sent about this client. */
  event(event: ProxyEvent): void {
    switch (event.type) {
      case 'publisher-closed':
      case 'subscriber-closed':
        this.logger.info(`${this.kind} closed by the proxy`, {
          proxy: this.connection.name,
          client: this.id,
          session: this.publisherId,
        });
        this.gone();
        return;
      case 'subscriber-sid-updated':
        if (event.sid !== undefined) {
          this.sid = event.sid;
        }
        return;
      default:
        // ice-completed, publisher-connected, subscriber-connected: nothing to do here.
        return;
    }
  }

  /** Forgets the client without asking the proxy (it is gone there already). */
  gone(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.emit('closed');
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.gone();
    if (!this.connection.ready) {
      if (this.connection.sessionId !== '') {
        deleteOnResume(this.connection, this.id, () => this.#delete());
      }
      return;
    }
    await this.#delete();
  }

  /** Asks the proxy to delete this client (failures are logged). */
  async #delete(): Promise<void> {
    const type = this.kind === 'publisher' ? 'delete-publisher' : 'delete-subscriber';
    try {
      const answer = await this.connection.request({
        type: 'command',
        command: { type, clientId: this.id },
      });
      if (answer.type === 'error') {
        this.logger.warn(`could not delete ${this.kind} on proxy`, {
          proxy: this.connection.name,
          client: this.id,
          code: answer.error.code,
        });
        return;
      }
      this.logger.debug(`${this.kind} deleted on proxy`, {
        proxy: this.connection.name,
        client: this.id,
      });
    } catch (err) {
      this.logger.warn(`could not delete ${this.kind} on proxy`, {
        proxy: this.connection.name,
        client: this.id,
        error: String(err),
      });
    }
  }
}

/** A stream published on a proxy. */
export class ProxyPublisher extends ProxyClient implements SfuPublisher {
  protected readonly kind = 'publisher';
  mediaTypes: number;
  /** The bitrate the proxy applies (its answer; 0 when it did not say). */
  readonly bitrate: number;

  constructor(init: ProxyClientInit & { mediaTypes: number; bitrate: number }) {
    super(init);
    this.mediaTypes = init.mediaTypes;
    this.bitrate = init.bitrate;
  }

  override handle(data: McuData): Promise<JsonMap | undefined> {
    switch (data.type) {
      case 'offer':
      case 'candidate':
      case 'endOfCandidates':
      case 'requestoffer':
        return super.handle(data);
      default:
        return Promise.reject(new Error(`unsupported message type: ${data.type}`));
    }
  }
}

/** A subscription on a proxy to a publisher of the same proxy. */
export class ProxySubscriber extends ProxyClient implements SfuSubscriber {
  protected readonly kind = 'subscriber';
  /** The proxy's client id of the publisher (closed with it). */
  publisherClientId = '';

  override handle(data: McuData): Promise<JsonMap | undefined> {
    switch (data.type) {
      case 'requestoffer':
      case 'sendoffer':
      case 'answer':
      case 'candidate':
      case 'endOfCandidates':
      case 'selectStream':
        return super.handle(data);
      default:
        return Promise.reject(new Error(`unsupported message type: ${data.type}`));
    }
  }
}
