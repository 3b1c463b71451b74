import type { ClientSession } from '../hub/client-session.js';

/** Client feature an internal client sends when it can place SIP dial-out calls. */
const START_DIALOUT = 'start-dialout';
/** What upstream reports for its in-process NATS replacement. */
const NATS_LOOPBACK = 'nats://loopback';

/** An entry of `dialout` in `/api/v1/serverinfo`. */
export interface ServerInfoDialout {
  sessionid: string;
  connected: boolean;
  address?: string;
  useragent?: string;
  version?: string;
  features?: string[];
}

/** `nats` of `/api/v1/serverinfo`. */
export interface ServerInfoNats {
  urls: string[];
  connected: boolean;
  serverurl?: string;
  serverid?: string;
  version?: string;
  clustername?: string;
}

/** `etcd` of `/api/v1/serverinfo` (upstream's BackendServerInfoEtcd). */
export interface ServerInfoEtcd {
  endpoints: string[];
  active?: string;
  connected?: boolean;
}

/** The body of `/api/v1/serverinfo`, keys in upstream's order. */
export interface ServerInfo {
  version: string;
  features: string[];
  sfu?: unknown;
  dialout?: ServerInfoDialout[];
  nats?: ServerInfoNats;
  etcd?: ServerInfoEtcd;
}

/** What the server info is built from. */
export interface ServerInfoSources {
  version: string;
  /** The features of the HTTP features header. */
  features: readonly string[];
  sessions: Iterable<ClientSession>;
  /** SFU details, once an SFU is attached. */
  sfu?: (() => unknown) | undefined;
  /** Bus details; by default the in-process bus is reported as upstream reports its loopback. */
  nats?: (() => ServerInfoNats | undefined) | undefined;
  /** The etcd client, when etcd is configured and used. */
  etcd?: (() => ServerInfoEtcd) | undefined;
}

/**
 * One dial-out entry per internal session that announced `start-dialout` (upstream's
 * `GetServerInfoDialout`); the version is what follows the first `/` of the user agent, up to a
 * space.
 */
export function dialoutInfo(session: ClientSession): ServerInfoDialout {
  const entry: ServerInfoDialout = { sessionid: session.publicId, connected: false };
  const connection = session.connection;
  if (connection?.isOpen) {
    entry.connected = true;
    entry.address = connection.remoteAddress;
    const ua = connection.userAgent;
    if (ua !== '') {
      entry.useragent = ua;
      const slash = ua.indexOf('/');
      if (slash >= 0) {
        entry.version = ua.slice(slash + 1).split(' ')[0] ?? '';
      }
    }
    if (session.featureList.length > 0) {
      entry.features = [...session.featureList];
    }
  }
  return entry;
}

/** Builds the `/api/v1/serverinfo` body. */
export function serverInfo(sources: ServerInfoSources): ServerInfo {
  const info: ServerInfo = { version: sources.version, features: [...sources.features] };
  const sfu = sources.sfu?.();
  if (sfu !== undefined && sfu !== null) {
    info.sfu = sfu;
  }
  const dialout = [...sources.sessions]
    .filter((s) => s.clientType === 'internal' && s.features.has(START_DIALOUT))
    .map(dialoutInfo);
  if (dialout.length > 0) {
    info.dialout = dialout;
  }
  const nats = sources.nats
    ? sources.nats()
    : { urls: [NATS_LOOPBACK], connected: true, serverurl: NATS_LOOPBACK };
  if (nats !== undefined) {
    info.nats = nats;
  }
  const etcd = sources.etcd?.();
  if (etcd !== undefined) {
    info.etcd = etcd;
  }
  return info;
}

/** The body of `/api/v1/stats`: Go marshals a map, so keys come sorted. */
export function statsBody(rooms: number, sessions: number, mcu: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (mcu !== undefined && mcu !== null) {
    body.mcu = mcu;
  }
  body.rooms = rooms;
  body.sessions = sessions;
  return body;
}
