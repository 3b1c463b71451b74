/** Feature ids a server may advertise, in `welcome`, `hello.server` and HTTP headers. */
export const ServerFeatures = {
  mcu: 'mcu',
  simulcast: 'simulcast',
  updateSdp: 'update-sdp',
  audioVideoPermissions: 'audio-video-permissions',
  transientData: 'transient-data',
  inCallAll: 'incall-all',
  welcome: 'welcome',
  helloV2: 'hello-v2',
  switchTo: 'switchto',
  dialout: 'dialout',
  federation: 'federation',
  recipientCall: 'recipient-call',
  joinFeatures: 'join-features',
  offerCodecs: 'offer-codecs',
  serverInfo: 'serverinfo',
  chatRelay: 'chat-relay',
  transientSessionData: 'transient-sessiondata',
  /** Only sent to internal clients (and in `welcome`). */
  virtualSessions: 'virtual-sessions',
} as const;

/** One server feature id. */
export type ServerFeature = (typeof ServerFeatures)[keyof typeof ServerFeatures];

/** Feature ids a client may send in `hello.features`. */
export const ClientFeatures = {
  chatRelay: 'chat-relay',
  internalInCall: 'internal-incall',
  startDialout: 'start-dialout',
} as const;

/**
 * The features Talk insists on in `X-Spreed-Signaling-Features` before it talks to a signaling
 * server at all (Talk's signaling manager refuses the server otherwise).
 */
export const TALK_REQUIRED_FEATURES: readonly ServerFeature[] = [
  ServerFeatures.audioVideoPermissions,
  ServerFeatures.federation,
  ServerFeatures.inCallAll,
  ServerFeatures.helloV2,
  ServerFeatures.switchTo,
];

/** In-call flags used by Talk (a bit field). */
export const InCallFlags = {
  disconnected: 0,
  inCall: 1,
  withAudio: 2,
  withVideo: 4,
  withPhone: 8,
} as const;

/** Flags of virtual (phone) sessions. */
export const SessionFlags = {
  muteMicrophone: 1,
  talking: 2,
} as const;

/** Permissions a session may hold in a room. */
export const Permissions = {
  publishMedia: 'publish-media',
  publishAudio: 'publish-audio',
  publishVideo: 'publish-video',
  publishScreen: 'publish-screen',
  control: 'control',
  transientData: 'transient-data',
  hideDisplayNames: 'hide-displaynames',
} as const;

/** One permission string. */
export type Permission = (typeof Permissions)[keyof typeof Permissions] | (string & {});
