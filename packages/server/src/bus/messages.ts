import type { EventSessionEntry, JsonObject, MessageSender } from '@spreed-ts/protocol';

/**
 * The messages signaling servers exchange over the bus. Field names are short wire names; every
 * message travels in an envelope `{"v":1,"from":"<server id>","type":…,…}` (see codec.ts and
 * docs/cluster.md). All of them are JSON.
 */

/** How a room member joined: a client, an internal client, a federated client or a virtual one. */
export type MemberRole = 'client' | 'internal' | 'federated' | 'virtual';

/** A room member as its own server describes it to the others. */
export interface MemberState {
  /** Public session id. */
  sessionid: string;
  role: MemberRole;
  /** The entry others get in `join` events, as the owning server renders it. */
  entry: EventSessionEntry;
  /** Talk session id; absent when none was given. */
  roomsession?: string;
  /** User id from Talk's join response for a session without one of its own. */
  userdata?: string;
  /** In-call flags (meaningful for internal and virtual members). */
  incall: number;
  /** Whether the member is in the room's call. */
  call: boolean;
  /** Flags of a virtual member (0 otherwise). */
  flags: number;
  /** Client features (internal members are listed with them in participant updates). */
  features: string[];
}

/** One transient data entry; `ttl` is the remaining lifetime in nanoseconds, 0 = none. */
export interface TransientEntry {
  key: string;
  value: unknown;
  ttl: number;
}

/** What one server knows about one of its rooms (answer to `room-sync`). */
export type RoomState =
  | { room: string; present: false }
  | {
      room: string;
      present: true;
      /** The server's own members. */
      members: MemberState[];
      transient: TransientEntry[];
      /** Talk's last participant list of the room. */
      users: JsonObject[];
    };

/** A change in a room, sent by the server where it happened to the others that have the room. */
export type RoomOp =
  /** A local member joined (or, for a known member, its details changed). */
  | { type: 'join'; member: MemberState }
  /** A local member left. */
  | { type: 'leave'; sessionid: string }
  /** A local internal or virtual member changed its in-call state or flags. */
  | { type: 'change'; sessionid: string; incall: number; flags: number; call: boolean }
  /** Transient data was set; `ttl` in nanoseconds, 0 = none. */
  | { type: 'transient-set'; key: string; value: unknown; ttl: number }
  | { type: 'transient-remove'; key: string }
  /** A `message`/`control` to the room (or, with `call`, to the call), already serialised. */
  | { type: 'relay'; call: boolean; sender: string; text: string; nick: boolean }
  /** A frame for every member (e.g. dial-out reports), already serialised. */
  | { type: 'frame'; text: string };

/**
 * Where a published stream can be subscribed to from another server: the SFU the publisher's
 * server uses (`[mcu] url`, or with `[mcu] type = proxy` the base URL of the publisher's proxy),
 * the Janus room of the stream and the publisher's feed id in it (both 0 for a proxy). For a proxy
 * the facts of upstream's GetPublisherIdReply come along: the proxy's client id of the publisher,
 * the address the publisher's server connects to (DNS discovery) and a hello token of the
 * publisher's server, with which another server may open a temporary connection to that proxy.
 */
export interface PublisherLocation {
  sfu: string;
  room: number;
  feed: number;
  /** The proxy's client id of the publisher (`[mcu] type = proxy` only). */
  proxyclient?: string;
  /** The proxy's address when the publisher's server found it by DNS discovery. */
  ip?: string;
  /** A fresh hello token of the publisher's server for its proxies (`iss` = its token id). */
  token?: string;
}

/** Every message on the bus. */
export type BusMessage =
  /** Presence of a server; `generation` grows with every (re)connect of its bus. */
  | { type: 'heartbeat'; generation: number; interval: number; ttl: number; version: string }
  /** A server shuts down: forget it now. */
  | { type: 'goodbye' }
  /** How many sessions count against a backend's limit on the receiver. */
  | { type: 'session-count'; backend: string }
  | { type: 'session-count-reply'; count: number }
  /** Who holds the session with this resume (private) id? */
  | { type: 'resume-lookup'; resumeid: string }
  /** `sessionid` is set when the replying server holds the session. */
  | { type: 'resume-lookup-reply'; sessionid?: string }
  /** Start relaying a client connection to the receiver, which replays `frame` (the hello). */
  | { type: 'proxy-open'; proxy: string; frame: string; address: string; useragent: string }
  /** One text frame of a relayed connection (either direction). */
  | { type: 'proxy-frame'; proxy: string; text: string }
  /** A relayed connection ended (either side). */
  | { type: 'proxy-close'; proxy: string }
  /** Asks for the state of rooms (keys `<backend id>|<room id>`). */
  | { type: 'room-sync'; rooms: string[] }
  /** Answer to `room-sync`; `seq` is the sender's op counter when it answered. */
  | { type: 'room-state'; seq: number; rooms: RoomState[] }
  /** A change in a room; `seq` orders the ops of one sender. */
  | { type: 'room-op'; room: string; seq: number; op: RoomOp }
  /** A request of Talk to the backend rooms API, for the other servers to apply too. */
  | { type: 'backend-request'; backend: string; room: string; stamp: string; request: JsonObject }
  /** A frame for all sessions of some users, except one session. */
  | {
      type: 'user-relay';
      backend: string;
      users: string[];
      except: string;
      text: string;
      nick: boolean;
    }
  /** A `message`/`control` for one session, relayed to the server that has it. */
  | {
      type: 'session-relay';
      to: string;
      relay: 'message' | 'control';
      /** Backend id of the sender (messages only reach sessions of the same backend). */
      backend: string;
      sender: MessageSender;
      data: unknown;
      /**
       * `data` as JSON text, when known: written into the payload as it is (not serialised
       * again) and, on receipt, the text of `data` in the payload, so the frame for the client is
       * assembled around it.
       */
      dataJson?: string;
    }
  /** A new connection took over Talk session `roomsession`: other holders go away. */
  | { type: 'kick'; roomsession: string; except: string }
  /** Which server publishes `sessionid`'s stream of `streamtype` in its SFU, and where? */
  | { type: 'publisher-lookup'; sessionid: string; streamtype: string }
  /** `publisher` is set when the replying server has the publisher. */
  | { type: 'publisher-lookup-reply'; publisher?: PublisherLocation }
  /**
   * A `sendoffer` of session `sender` (backend `backend`) for session `to`, which is on another
   * server: the server that has `to` subscribes it to `sender`'s stream; `data` as the client sent
   * it. (Not `from`: that is the envelope's server id.)
   */
  | { type: 'sfu-sendoffer'; to: string; sender: string; backend: string; data: unknown }
  /**
   * A publisher of the sender closed: subscribers elsewhere in its `room` (or, on a proxy, to its
   * `proxyclient`) end too.
   */
  | {
      type: 'publisher-closed';
      sessionid: string;
      streamtype: string;
      room: number;
      proxyclient?: string;
    };

/** The `type` of a bus message. */
export type BusMessageType = BusMessage['type'];

/** The bus message of a given type. */
export type BusMessageOf<T extends BusMessageType> = Extract<BusMessage, { type: T }>;

/** A received message with the id of the server that sent it. */
export interface Received {
  from: string;
  message: BusMessage;
}

/** Every key any bus message has. */
type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/**
 * The envelope's own keys (`v`, `from`) must not be message fields: the codec writes both into
 * the same JSON object, and one would silently replace the other (it happened once).
 */
type EnvelopeClash = Extract<KeysOfUnion<BusMessage>, 'v' | 'from'>;
export const NO_ENVELOPE_CLASH: [EnvelopeClash] extends [never] ? true : never = true;
