import { calculateChecksum, HEADER_FEATURES, TALK_REQUIRED_FEATURES } from '@spreed-ts/protocol';
import { randomString } from '../model/random.js';
import type { BackendNotification } from './notification-types.js';

/** One request the notifier sent (or tried to send) to the signaling server. */
export interface RecordedNotification {
  /** When it was sent, ms since the epoch. */
  readonly at: number;
  /** The full URL posted to. */
  readonly url: string;
  /** The conversation token in the URL. */
  readonly token: string;
  /** The parsed body. */
  readonly body: BackendNotification;
  /** The exact body bytes the checksum covers. */
  readonly rawBody: string;
  /** Request headers as sent. */
  readonly headers: Readonly<Record<string, string>>;
  /** HTTP status of the last attempt; undefined when no response arrived. */
  status: number | undefined;
  /** Features the server advertised in `X-Spreed-Signaling-Features`. */
  features: string[];
  /** Response body of the last attempt. */
  responseBody: string;
  /** Why it failed, if it did. */
  error: string | undefined;
}

/** Why a notification failed, mirroring how Talk's `BackendNotifier::doRequest` fails. */
export type NotifierErrorKind = 'connect' | 'http' | 'incompatible';

/** A notification that failed after Talk's retries. */
export class NotifierError extends Error {
  readonly kind: NotifierErrorKind;
  readonly notification: RecordedNotification;

  constructor(
    kind: NotifierErrorKind,
    message: string,
    notification: RecordedNotification,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'NotifierError';
    this.kind = kind;
    this.notification = notification;
  }
}

/** Options of {@link SignalingNotifier}. */
export interface SignalingNotifierOptions {
  /** The shared secret, read at send time. */
  secret: () => string;
  /** The devbackend base URL sent as `Spreed-Signaling-Backend`, read at send time. */
  backendUrl: () => string;
  /** Per attempt; default 10 000 ms. */
  timeoutMs?: number;
  /** Attempts on connection errors and 5xx (Talk: 3). */
  attempts?: number;
}

/**
 * Posts room notifications to the signaling server like Talk's `BackendNotifier::backendRequest`:
 * `POST {server}/api/v1/room/{token}` with a 64 character random, the HMAC checksum and the
 * backend URL; connection errors and 5xx are retried up to three times; a successful response
 * whose `X-Spreed-Signaling-Features` lacks a feature Talk requires is an error.
 */
export class SignalingNotifier {
  /** The signaling server base URL (`http(s)://` or `ws(s)://`); unset = internal signaling. */
  signalingUrl: string | undefined;
  readonly #options: SignalingNotifierOptions;

  constructor(options: SignalingNotifierOptions) {
    this.#options = options;
  }

  /** The URL a notification for `token` goes to, or undefined without a signaling server. */
  urlFor(token: string): string | undefined {
    if (this.signalingUrl === undefined || this.signalingUrl === '') {
      return undefined;
    }
    let base = this.signalingUrl.replace(/\/+$/, '');
    if (base.startsWith('ws://')) {
      base = `http://${base.slice(5)}`;
    } else if (base.startsWith('wss://')) {
      base = `https://${base.slice(6)}`;
    }
    return `${base}/api/v1/room/${encodeURIComponent(token)}`;
  }

  /**
   * Sends one notification. Resolves with the record (undefined when no signaling server is
   * configured, which is Talk's internal mode); rejects with {@link NotifierError}.
   */
  async send(token: string, body: BackendNotification): Promise<RecordedNotification | undefined> {
    const url = this.urlFor(token);
    if (url === undefined) {
      return undefined;
    }
    const rawBody = JSON.stringify(body);
    const random = randomString(64);
    const headers = {
      'Content-Type': 'application/json',
      'Spreed-Signaling-Random': random,
      'Spreed-Signaling-Checksum': calculateChecksum(random, rawBody, this.#options.secret()),
      'Spreed-Signaling-Backend': this.#options.backendUrl(),
    };
    const record: RecordedNotification = {
      at: Date.now(),
      url,
      token,
      body,
      rawBody,
      headers,
      status: undefined,
      features: [],
      responseBody: '',
      error: undefined,
    };
    const attempts = this.#options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers,
          body: rawBody,
          signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
        });
        record.status = response.status;
        record.responseBody = await response.text();
      } catch (cause) {
        if (attempt < attempts) {
          continue;
        }
        record.error = `failed to send message to signaling server: ${String(cause)}`;
        throw new NotifierError('connect', record.error, record, { cause });
      }
      record.features = (response.headers.get(HEADER_FEATURES) ?? '')
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f !== '');
      if (response.status >= 500) {
        if (attempt < attempts) {
          continue;
        }
        // Talk gives up and returns the response without further checks.
        record.error = `signaling server answered ${response.status}`;
        return record;
      }
      if (response.status >= 400) {
        record.error = `signaling server answered ${response.status}`;
        throw new NotifierError('http', record.error, record);
      }
      const missing = TALK_REQUIRED_FEATURES.filter((f) => !record.features.includes(f));
      if (missing.length > 0) {
        record.error = `Signaling server needs to be updated to be compatible with this version of Talk (missing: ${missing.join(', ')})`;
        throw new NotifierError('incompatible', record.error, record);
      }
      return record;
    }
  }
}
