import {
  attachSfu,
  type Rooms,
  type SfuFeature,
  type SignalingServer,
  startRooms,
} from '@spreed-ts/server';

/** A `setup` for the testkit's `startSignaling` that adds rooms and the SFU, as `main` does. */
export interface RoomsWithSfu {
  setup: (server: SignalingServer) => { close(): void };
  /** The SFU feature; only after `startSignaling` has called `setup`. */
  feature(): SfuFeature;
}

export function roomsWithSfu(): RoomsWithSfu {
  let rooms: Rooms | undefined;
  let feature: SfuFeature | undefined;
  return {
    setup: (server) => {
      rooms = startRooms(server);
      feature = attachSfu(server, rooms);
      return {
        close: () => {
          feature?.close();
          void rooms?.close();
        },
      };
    },
    feature: () => {
      if (feature === undefined) {
        throw new Error('the signaling server was not set up with rooms and the SFU');
      }
      return feature;
    },
  };
}
