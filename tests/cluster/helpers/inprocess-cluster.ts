import { randomBytes } from 'node:crypto';
import { DevBackend } from '@spreed-ts/devbackend';
import {
  InProcessBus,
  InProcessNetwork,
  type Rooms,
  type RoomsTuning,
  startRooms,
} from '@spreed-ts/server';
import { type SignalingFixture, startSignaling, type TestClient } from '@spreed-ts/testkit';
import {
  joinAsTalkParticipant,
  postBackendApi,
  signIn,
  ticketHello,
} from '../../server/helpers/talk-steps.js';

/** One server of an in-process cluster. */
export interface Node {
  sig: SignalingFixture;
  rooms: Rooms;
  bus: InProcessBus;
}

/** Several signaling servers in this process, on one in-process network, with one DevBackend. */
export interface InProcessCluster extends AsyncDisposable {
  dev: DevBackend;
  network: InProcessNetwork;
  nodes: Node[];
  /** A client of `node` that said hello v1 as `userId` (null: guest). */
  hello(node: number, userId: string | null, features?: string[]): Promise<SignedIn>;
  /** A client of `node` that is in `token` (Talk session created, joined, own join seen). */
  joined(node: number, token: string, userId: string | null): Promise<InRoom>;
  /** Posts a backend API request to `node` as Talk would. */
  backendApi(node: number, roomId: string, body: unknown): Promise<number>;
  /** Resolves once every server knows all others. */
  meshed(): Promise<void>;
}

export interface SignedIn {
  client: TestClient;
  sessionId: string;
  resumeId: string;
}

export interface InRoom extends SignedIn {
  talkSessionId: string;
}

const FAST: RoomsTuning = { heartbeatMs: 100, syncTimeoutMs: 500, resumeTimeoutMs: 1000 };

/** Starts `count` servers sharing keys, a DevBackend and an in-process network. */
export async function startInProcessCluster(
  count: number,
  tuning: RoomsTuning = {},
): Promise<InProcessCluster> {
  const dev = new DevBackend();
  await dev.start();
  const network = new InProcessNetwork();
  const keys = [
    '[sessions]',
    `hashkey = ${randomBytes(16).toString('hex')}`,
    `blockkey = ${randomBytes(8).toString('hex')}`,
  ].join('\n');
  const nodes: Node[] = [];
  const clients: TestClient[] = [];
  for (let i = 0; i < count; i++) {
    let rooms: Rooms | undefined;
    const bus = new InProcessBus({ network });
    const sig = await startSignaling({
      backends: [{ url: dev.url, secret: dev.secret }],
      extraConfig: keys,
      timings: {},
      setup: (server) => {
        rooms = startRooms(server, { ...FAST, ...tuning }, bus);
        return rooms;
      },
    });
    nodes.push({ sig, rooms: rooms as Rooms, bus });
  }
  dev.setSignalingUrl((nodes[0] as Node).sig.httpUrl);
  const node = (i: number) => nodes[i] as Node;
  const cluster: InProcessCluster = {
    dev,
    network,
    nodes,
    async hello(i, userId, features = []) {
      const client = await node(i).sig.connect();
      clients.push(client);
      return signIn(client, ticketHello(dev, userId, features));
    },
    joined(i, token, userId) {
      return joinAsTalkParticipant(dev, token, userId, (id) => cluster.hello(i, id));
    },
    async backendApi(i, roomId, body) {
      return (await postBackendApi(node(i).sig.httpUrl, dev, roomId, body)).status;
    },
    async meshed() {
      const deadline = Date.now() + 5000;
      while (nodes.some((n) => n.rooms.peers.size < nodes.length - 1)) {
        if (Date.now() > deadline) {
          throw new Error('servers did not find each other');
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((c) => c.close()));
      for (const n of nodes) {
        await n.rooms.close();
        await n.sig.close();
      }
      await dev.close();
    },
  };
  await cluster.meshed();
  return cluster;
}
