/**
 * The bus subjects. One prefix for all, then the audience: every server, one server, or the
 * servers that have a room. docs/cluster.md lists what travels on each.
 */
const PREFIX = 'signaling';

/** Encodes an id for use as one subject token (base64url has no `.`, `*`, `>` or spaces). */
export function subjectToken(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export const Subjects = {
  /** Heartbeats and goodbyes of all servers. */
  peers: `${PREFIX}.peers`,
  /** Requests every server answers about its sessions (session counts, resume lookups). */
  sessions: `${PREFIX}.sessions`,
  /** Requests every server answers about its rooms (room state). */
  rooms: `${PREFIX}.rooms`,
  /** SFU publishers: lookups every server answers, and closed publishers. */
  sfu: `${PREFIX}.sfu`,
  /** Messages for every server (Talk's backend requests, user messages, takeovers). */
  broadcast: `${PREFIX}.broadcast`,
  /** Relayed client connections of one server. */
  proxy: (serverId: string) => `${PREFIX}.server.${serverId}.proxy`,
  /** Room state requests and session messages for one server. */
  server: (serverId: string) => `${PREFIX}.server.${serverId}.rooms`,
  /** Changes in one room, for the servers that have it (`key` = `<backend id>|<room id>`). */
  room: (key: string) => `${PREFIX}.room.${subjectToken(key)}`,
} as const;
