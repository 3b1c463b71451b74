import type { ServerMessage } from '@spreed-ts/protocol';
import type { ClientSession } from '../hub/client-session.js';
import type { Logger } from '../logger.js';
import { SfuClosedError } from './errors.js';
import type { StreamType } from './mcu-data.js';
import {
  type JsonMap,
  type PublisherSettings,
  type Sfu,
  type SfuClient,
  type SfuPublisher,
  type SfuSubscriber,
  streamKey,
} from './sfu.js';

/** What the session's room state was when last looked at (to notice leaving the call). */
export interface CallState {
  /** Room key (backend and id), or undefined when in no room. */
  room: string | undefined;
  inCall: boolean;
}

/**
 * `{to, from, type, roomType, payload, sid}` in upstream's key order; `sid` left out when empty.
 */
export function mcuFrameData(
  to: string,
  from: string,
  type: string,
  roomType: string,
  payload: JsonMap,
  sid: string,
): JsonMap {
  const data: JsonMap = { to, from, type, roomType, payload };
  if (sid !== '') {
    data.sid = sid;
  }
  return data;
}

/** A `message` frame from `senderId` (upstream leaves out the user id of SFU frames). */
export function mcuFrame(senderId: string, data: JsonMap, userId?: string): ServerMessage {
  const sender =
    userId === undefined || userId === ''
      ? { type: 'session', sessionid: senderId }
      : { type: 'session', sessionid: senderId, userid: userId };
  return { type: 'message', message: { sender, data } };
}

/**
 * The SFU objects of one signaling session (upstream keeps them on the ClientSession): its
 * publishers by stream type and its subscribers by publisher and stream type. It forwards what
 * the SFU sends for them (candidates, renegotiation offers) to the session, forgets objects that
 * close, and releases everything when the session leaves the call or goes away.
 */
export class SessionMedia {
  readonly session: ClientSession;
  readonly #sfu: Sfu;
  readonly #logger: Logger;
  readonly #publishers = new Map<StreamType, SfuPublisher>();
  readonly #subscribers = new Map<string, SfuSubscriber>();
  readonly #creating = new Map<string, Promise<SfuClient>>();
  /** Bumped by {@link release}: objects created meanwhile are closed on arrival. */
  #generation = 0;
  /** Call state last seen (set when the first object is created). */
  callState: CallState | undefined;

  constructor(session: ClientSession, sfu: Sfu, logger: Logger) {
    this.session = session;
    this.#sfu = sfu;
    this.#logger = logger;
  }

  /** Whether the session has any SFU object (or one is being created). */
  get empty(): boolean {
    return this.#publishers.size === 0 && this.#subscribers.size === 0 && this.#creating.size === 0;
  }

  /** Publishers by stream type. */
  get publishers(): ReadonlyMap<StreamType, SfuPublisher> {
    return this.#publishers;
  }

  publisher(streamType: string): SfuPublisher | undefined {
    return this.#publishers.get(streamType as StreamType);
  }

  subscriber(publisherId: string, streamType: string): SfuSubscriber | undefined {
    return this.#subscribers.get(streamKey(publisherId, streamType));
  }

  /** The publisher of `streamType`, created with `settings` when there is none. */
  async getOrCreatePublisher(
    streamType: StreamType,
    sid: string,
    settings: PublisherSettings,
  ): Promise<SfuPublisher> {
    const existing = this.#publishers.get(streamType);
    if (existing !== undefined) {
      existing.mediaTypes = settings.mediaTypes;
      return existing;
    }
    const created = await this.#create(`pub|${streamType}`, () =>
      this.#sfu.newPublisher(this.session.publicId, sid, streamType, settings, {
        address: this.session.connection?.remoteAddress ?? '',
      }),
    );
    const publisher = created as SfuPublisher;
    if (!this.#publishers.has(streamType) && !publisher.closed) {
      this.#publishers.set(streamType, publisher);
      this.#track(publisher, () => {
        if (this.#publishers.get(streamType) === publisher) {
          this.#publishers.delete(streamType);
        }
      });
    }
    return this.#publishers.get(streamType) ?? publisher;
  }

  /** The subscriber to `publisherId`'s stream, created (waiting for the publisher) if needed. */
  async getOrCreateSubscriber(publisherId: string, streamType: StreamType): Promise<SfuSubscriber> {
    const key = streamKey(publisherId, streamType);
    const existing = this.#subscribers.get(key);
    if (existing !== undefined) {
      return existing;
    }
    const subscriber = await this.#create(`sub|${key}`, () =>
      this.#sfu.newSubscriber(publisherId, streamType, this.#sfu.timeoutMs),
    );
    if (!this.#subscribers.has(key) && !subscriber.closed) {
      this.#subscribers.set(key, subscriber);
      this.#track(subscriber, () => {
        if (this.#subscribers.get(key) === subscriber) {
          this.#subscribers.delete(key);
        }
      });
    }
    return this.#subscribers.get(key) ?? subscriber;
  }

  /** Runs one creation per key at a time; a release meanwhile closes the result. */
  async #create(key: string, make: () => Promise<SfuClient>): Promise<SfuClient> {
    let pending = this.#creating.get(key);
    if (pending === undefined) {
      const generation = this.#generation;
      pending = make().then((client) => {
        if (generation !== this.#generation || this.session.closed) {
          void client.close();
          throw new SfuClosedError('released while being created');
        }
        return client;
      });
      this.#creating.set(key, pending);
      const done = () => {
        if (this.#creating.get(key) === pending) {
          this.#creating.delete(key);
        }
      };
      pending.then(done, done);
    }
    return pending;
  }

  #track(client: SfuClient, forget: () => void): void {
    const own = this.session.publicId;
    const from = client.publisherId;
    client.on('candidate', (candidate) => {
      const data = mcuFrameData(
        own,
        from,
        'candidate',
        client.streamType,
        { candidate },
        client.sid,
      );
      this.session.send(mcuFrame(from, data));
    });
    client.on('updateOffer', (jsep) => {
      const data = mcuFrameData(own, from, 'offer', client.streamType, jsep, client.sid);
      this.session.send(mcuFrame(from, data));
    });
    client.once('closed', () => {
      forget();
      client.removeAllListeners('candidate');
      client.removeAllListeners('updateOffer');
    });
  }

  /** Closes the publisher of `streamType`, if any. */
  closePublisher(streamType: string, why: string): void {
    const publisher = this.#publishers.get(streamType as StreamType);
    if (publisher === undefined) {
      return;
    }
    this.#publishers.delete(streamType as StreamType);
    this.#logger.info('closing publisher', {
      session: this.session.publicId,
      publisher: publisher.id,
      streamType,
      why,
    });
    void publisher.close();
  }

  /** Closes every publisher and subscriber (left the call or room, session closed). */
  release(why: string): void {
    this.#generation += 1;
    this.callState = undefined;
    if (this.#publishers.size === 0 && this.#subscribers.size === 0) {
      return;
    }
    this.#logger.info('releasing sfu objects', {
      session: this.session.publicId,
      publishers: this.#publishers.size,
      subscribers: this.#subscribers.size,
      why,
    });
    const all: SfuClient[] = [...this.#publishers.values(), ...this.#subscribers.values()];
    this.#publishers.clear();
    this.#subscribers.clear();
    for (const client of all) {
      void client.close();
    }
  }
}
