import { ServerFeatures } from '@spreed-ts/protocol';

/** What the server can do right now; features follow from it. */
export interface FeatureState {
  /** An SFU is configured and connected. */
  mcu: boolean;
}

/**
 * Features every client may rely on with this server. `federation` is listed because Talk refuses a
 * signaling server without it; federated joins are proxied to the remote server (see federation/).
 */
const COMMON = [
  ServerFeatures.transientData,
  ServerFeatures.inCallAll,
  ServerFeatures.welcome,
  ServerFeatures.helloV2,
  ServerFeatures.switchTo,
  ServerFeatures.dialout,
  ServerFeatures.federation,
  ServerFeatures.recipientCall,
  ServerFeatures.joinFeatures,
  ServerFeatures.chatRelay,
  ServerFeatures.transientSessionData,
];

const MCU = [
  ServerFeatures.mcu,
  ServerFeatures.simulcast,
  ServerFeatures.updateSdp,
  ServerFeatures.offerCodecs,
];

/** The three feature lists upstream sends, for the current state. */
export interface FeatureLists {
  /** `welcome` message (and `/api/v1/welcome`): everything, incl. virtual sessions. */
  welcome: string[];
  /** `hello.server.features` for normal clients; also the HTTP features header. */
  client: string[];
  /** `hello.server.features` for internal clients. */
  internal: string[];
}

/** Computes the sorted feature lists. */
export function featureLists(state: FeatureState): FeatureLists {
  const base: string[] = [...COMMON, ...(state.mcu ? MCU : [])];
  const sorted = (extra: string[]) => [...new Set([...base, ...extra])].sort();
  return {
    welcome: sorted([ServerFeatures.audioVideoPermissions, ServerFeatures.virtualSessions]),
    client: sorted([ServerFeatures.audioVideoPermissions]),
    internal: sorted([ServerFeatures.virtualSessions]),
  };
}
