import { NatsProtocolError } from './errors.js';

/** The fields of the server's `INFO` that the client uses (wire names). */
export interface NatsServerInfo {
  /** Unique id of the server. */
  server_id: string;
  /** Version of nats-server, e.g. `2.9.10`. */
  version: string;
  /** Largest payload the server accepts (bytes). */
  max_payload: number;
  /** The server wants TLS before `CONNECT`. */
  tls_required: boolean;
  /** The server wants credentials. */
  auth_required: boolean;
  /** URLs of the other servers of its cluster (`host:port`), if it advertises them. */
  connect_urls: string[];
  /** Lame duck mode: the server is about to shut down. */
  ldm: boolean;
}

/** nats-server's default `max_payload`, used until a server says otherwise. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** Validates the JSON of an `INFO` line; throws {@link NatsProtocolError} naming the bad field. */
export function parseServerInfo(json: string): NatsServerInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new NatsProtocolError('INFO is not JSON', { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new NatsProtocolError('INFO is not an object');
  }
  const o = raw as Record<string, unknown>;
  const text = (key: string): string => {
    const value = o[key];
    if (value === undefined) {
      return '';
    }
    if (typeof value !== 'string') {
      throw new NatsProtocolError(`INFO.${key} is not a string`);
    }
    return value;
  };
  const flag = (key: string): boolean => {
    const value = o[key];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new NatsProtocolError(`INFO.${key} is not a boolean`);
    }
    return value === true;
  };
  const maxPayload = o.max_payload ?? DEFAULT_MAX_PAYLOAD;
  if (typeof maxPayload !== 'number' || !Number.isSafeInteger(maxPayload) || maxPayload <= 0) {
    throw new NatsProtocolError('INFO.max_payload is not a positive integer');
  }
  const urls = o.connect_urls ?? [];
  if (!Array.isArray(urls) || !urls.every((url) => typeof url === 'string')) {
    throw new NatsProtocolError('INFO.connect_urls is not a list of strings');
  }
  return {
    server_id: text('server_id'),
    version: text('version'),
    max_payload: maxPayload,
    tls_required: flag('tls_required'),
    auth_required: flag('auth_required'),
    connect_urls: urls as string[],
    ldm: flag('ldm'),
  };
}
