import type { ClientMode } from './client/bench-client.js';
import type { ServerKind } from './harness/server-launcher.js';
import type { PayloadShape } from './scenarios/payload.js';

/** Sizes and time limits of every scenario. Each scenario stops by count or time, whichever first. */
export interface Profile {
  name: 'default' | 'quick';
  /** Runs per scenario and server; runs alternate which server goes first. */
  runs: number;
  hello: {
    sessions: number;
    concurrency: number;
    timeLimitS: number;
    /** Sessions of the first, cold round after start (reported on a row of its own). */
    warmup: number;
    /** Further unmeasured rounds of `sessions` before the measured one (JIT warm-up). */
    warmupRounds: number;
  };
  memory: { steps: number[]; concurrency: number; settleMs: number; timeLimitS: number };
  messages: {
    pairs: number;
    /** Messages in flight per sender during the saturation phase. */
    window: number;
    warmupS: number;
    durationS: number;
    maxMessages: number;
    /** Open-loop rate (messages/s over all senders) of the latency phase. */
    fixedRate: number;
    fixedDurationS: number;
  };
  fanout: {
    roomSize: number;
    /** Room messages in flight during the saturation phase. */
    window: number;
    warmupS: number;
    durationS: number;
    maxMessages: number;
    /** Open-loop room messages/s of the latency phase. */
    fixedRate: number;
    fixedDurationS: number;
  };
  churn: { clients: number; rooms: number; durationS: number; maxCycles: number };
  backendApi: {
    roomSize: number;
    /** Concurrent HTTP requests (keep-alive connections). */
    concurrency: number;
    durationS: number;
    maxRequests: number;
  };
  upstreamClient: { clients: number; timeLimitS: number };
  /** Scenario 9: sessions (in pairs) and the fixed total rates they send at. */
  light: { sessions: number; rates: number[]; durationS: number; warmupS: number };
  /** Scenario 11: sessions on each of two servers, 1:1 and room message rates. */
  cluster: {
    sessionsPerServer: number;
    rate: number;
    roomRate: number;
    durationS: number;
    warmupS: number;
  };
  /** Scenario 10: room sizes that fill up with concurrent joins. */
  joins: { roomSizes: number[] };
  /** What relayed messages carry (default: a Talk ICE candidate). */
  payload: PayloadShape;
}

export const DEFAULT_PROFILE: Profile = {
  name: 'default',
  runs: 2,
  hello: { sessions: 2000, concurrency: 64, timeLimitS: 20, warmup: 500, warmupRounds: 3 },
  memory: { steps: [1000, 5000, 10000], concurrency: 128, settleMs: 1500, timeLimitS: 40 },
  messages: {
    pairs: 50,
    window: 8,
    warmupS: 1,
    durationS: 4,
    maxMessages: 2_000_000,
    fixedRate: 5000,
    fixedDurationS: 2,
  },
  fanout: {
    roomSize: 100,
    window: 16,
    warmupS: 1,
    durationS: 4,
    maxMessages: 100_000,
    fixedRate: 100,
    fixedDurationS: 2,
  },
  churn: { clients: 200, rooms: 4, durationS: 4, maxCycles: 200_000 },
  backendApi: { roomSize: 100, concurrency: 8, durationS: 4, maxRequests: 200_000 },
  upstreamClient: { clients: 100, timeLimitS: 30 },
  light: { sessions: 1000, rates: [1000, 5000], durationS: 8, warmupS: 2 },
  joins: { roomSizes: [100, 1000] },
  cluster: { sessionsPerServer: 200, rate: 2000, roomRate: 20, durationS: 4, warmupS: 2 },
  payload: 'candidate',
};

export const QUICK_PROFILE: Profile = {
  ...DEFAULT_PROFILE,
  name: 'quick',
  runs: 1,
  hello: { sessions: 1000, concurrency: 64, timeLimitS: 10, warmup: 300, warmupRounds: 1 },
  memory: { steps: [1000, 5000], concurrency: 128, settleMs: 1000, timeLimitS: 20 },
  messages: { ...DEFAULT_PROFILE.messages, warmupS: 0.5, durationS: 2, fixedDurationS: 1 },
  fanout: {
    ...DEFAULT_PROFILE.fanout,
    roomSize: 50,
    warmupS: 0.5,
    durationS: 2,
    fixedDurationS: 1,
  },
  churn: { clients: 100, rooms: 4, durationS: 2, maxCycles: 100_000 },
  backendApi: { roomSize: 50, concurrency: 8, durationS: 2, maxRequests: 100_000 },
  light: { sessions: 500, rates: [1000, 5000], durationS: 2, warmupS: 1 },
  joins: { roomSizes: [100, 500] },
  cluster: { sessionsPerServer: 100, rate: 1000, roomRate: 10, durationS: 2, warmupS: 1 },
};

/** Parsed command line. */
export interface BenchOptions {
  profile: Profile;
  /** Scenario numbers to run (issue 7 numbering; 8 = upstream load client). */
  scenarios: number[];
  servers: ServerKind[];
  pin: boolean;
  markdownPath: string | undefined;
  jsonPath: string | undefined;
  goBin: string;
  oursBin: string;
  keepLogs: boolean;
  /** Stop starting new scenario runs after this many minutes. */
  maxMinutes: number;
  /** Run our server with `node --cpu-prof` writing profiles here (one per server start). */
  cpuProfDir: string | undefined;
  /** How the load generator writes (see {@link ClientMode}). */
  clientMode: ClientMode;
  /** Extra node options for our server (experiments: V8 heap flags and the like). */
  oursNodeOptions: string[];
}

export const USAGE = `usage: node bench/dist/main.js [options]
  --quick                 about one minute: smaller sizes, one run, no upstream load client
  --runs N                runs per scenario and server (default 2, quick 1)
  --only 1,2,5            scenarios to run (1 hello, 2 messages, 3 fan-out, 4 churn,
                          5 memory, 6 CPU per 100k [from 2 and 3], 7 backend API,
                          8 upstream load client, 9 light 1:1 traffic at fixed rates,
                          10 concurrent joins into one room, 11 cluster: two servers on NATS)
  --servers go,ours       servers to compare (default both)
  --room-size N           room size of scenarios 3 and 7 (default 100, quick 50)
  --join-sizes 100,1000   room sizes of scenario 10
  --markdown FILE         also write the results table as Markdown
  --json FILE             also write raw results as JSON
  --no-pin                do not pin with taskset (numbers then mean little)
  --go-bin PATH           Go server (default /usr/bin/nextcloud-spreed-signaling-server)
  --ours-bin PATH         our bin/signaling (default: the one of this checkout)
  --keep-logs             keep the generated configs and server logs
  --max-minutes N         do not start new runs after N minutes (default 6, quick 2)
  --cpu-prof DIR          run our server under node --cpu-prof, profiles written to DIR
  --ours-node-options S   extra node options for our server, space-separated (experiments)
  --client MODE           realistic (default): one write per frame, random masks, as browsers;
                          corked: frames of a tick in one write, zero masks (flatters per-read costs)
  --payload P             relayed data: candidate (default, ~330 B), offer (~4 KB SDP), or N bytes
                          of padding`;

/** Parses `args`; throws on an unknown flag or a bad value. */
export function parseOptions(args: readonly string[], defaultOursBin: string): BenchOptions {
  const quick = args.includes('--quick');
  const profile: Profile = structuredClone(quick ? QUICK_PROFILE : DEFAULT_PROFILE);
  const options: BenchOptions = {
    profile,
    scenarios: quick ? [1, 2, 3, 4, 5, 6, 7, 9, 10, 11] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    servers: ['go', 'ours'],
    pin: true,
    markdownPath: undefined,
    jsonPath: undefined,
    goBin: '/usr/bin/nextcloud-spreed-signaling-server',
    oursBin: defaultOursBin,
    keepLogs: false,
    maxMinutes: quick ? 2 : 6,
    cpuProfDir: undefined,
    clientMode: 'realistic',
    oursNodeOptions: [],
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = () => {
      const v = args[++i];
      if (v === undefined) {
        throw new Error(`${arg} needs a value`);
      }
      return v;
    };
    switch (arg) {
      case '--quick':
        break;
      case '--runs':
        profile.runs = positiveInt(arg, value());
        break;
      case '--only':
        options.scenarios = value()
          .split(',')
          .map((s) => positiveInt(arg, s.trim()));
        break;
      case '--servers':
        options.servers = value()
          .split(',')
          .map((s) => {
            if (s !== 'go' && s !== 'ours') {
              throw new Error(`--servers: unknown server ${JSON.stringify(s)}`);
            }
            return s;
          });
        break;
      case '--markdown':
        options.markdownPath = value();
        break;
      case '--json':
        options.jsonPath = value();
        break;
      case '--no-pin':
        options.pin = false;
        break;
      case '--go-bin':
        options.goBin = value();
        break;
      case '--ours-bin':
        options.oursBin = value();
        break;
      case '--keep-logs':
        options.keepLogs = true;
        break;
      case '--join-sizes':
        profile.joins.roomSizes = value()
          .split(',')
          .map((s) => positiveInt(arg, s.trim()));
        break;
      case '--room-size': {
        const size = positiveInt(arg, value());
        profile.fanout.roomSize = size;
        profile.backendApi.roomSize = size;
        break;
      }
      case '--cpu-prof':
        options.cpuProfDir = value();
        break;
      case '--ours-node-options':
        options.oursNodeOptions = value()
          .split(' ')
          .filter((s) => s !== '');
        break;
      case '--client': {
        const mode = value();
        if (mode !== 'realistic' && mode !== 'corked') {
          throw new Error(`--client: expected realistic or corked, got ${JSON.stringify(mode)}`);
        }
        options.clientMode = mode;
        break;
      }
      case '--payload': {
        const shape = value();
        profile.payload =
          shape === 'candidate' || shape === 'offer' ? shape : { padding: positiveInt(arg, shape) };
        break;
      }
      case '--max-minutes':
        options.maxMinutes = positiveInt(arg, value());
        break;
      case '-h':
      case '--help':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${JSON.stringify(arg)}\n${USAGE}`);
    }
  }
  return options;
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(`${flag}: expected a positive integer, got ${JSON.stringify(text)}`);
  }
  return n;
}
