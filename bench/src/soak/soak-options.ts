/** What one soak run does; every figure is bounded so a run always ends by itself. */
export interface SoakOptions {
  /** Seconds of traffic and faults (10 – 3600). */
  durationS: number;
  /** Tracked clients (2 – 2000). */
  clients: number;
  /** Rooms the tracked clients are spread over (1 – clients/2). */
  rooms: number;
  /** Messages per second per tracked client (0.1 – 20). */
  rate: number;
  /** Signaling servers; 2 or 3 run a cluster on a real nats-server. */
  servers: number;
  /** Seconds between injected faults (0.5 – 60). */
  faultEveryS: number;
  /** Seed of the random choices (senders, recipients, faults). */
  seed: number;
  /** Markdown report appended to this file, if set. */
  reportPath: string | undefined;
}

export const SOAK_DEFAULTS: SoakOptions = {
  durationS: 300,
  clients: 100,
  rooms: 5,
  rate: 1,
  servers: 1,
  faultEveryS: 3,
  seed: 1,
  reportPath: undefined,
};

export const SOAK_USAGE = `usage: npm run soak -- [options]
  --duration S     seconds of traffic and faults (default 300, 10..3600)
  --clients N      tracked clients (default 100, 2..2000)
  --rooms N        rooms they are spread over (default 5)
  --rate R         messages per second per client (default 1, 0.1..20)
  --servers N      1 = one server; 2 or 3 = a cluster on a real nats-server (default 1)
  --fault-every S  seconds between faults (default 3, 0.5..60)
  --seed N         seed of the random choices (default 1)
  --report FILE    append the markdown report to FILE`;

function number(flag: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${flag} needs a number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** Parses the command line; throws with a one-line message on a bad flag. */
export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const options = { ...SOAK_DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    switch (flag) {
      case '--duration':
        options.durationS = number(flag, value, 10, 3600);
        break;
      case '--clients':
        options.clients = Math.round(number(flag, value, 2, 2000));
        break;
      case '--rooms':
        options.rooms = Math.round(number(flag, value, 1, 1000));
        break;
      case '--rate':
        options.rate = number(flag, value, 0.1, 20);
        break;
      case '--servers':
        options.servers = Math.round(number(flag, value, 1, 3));
        break;
      case '--fault-every':
        options.faultEveryS = number(flag, value, 0.5, 60);
        break;
      case '--seed':
        options.seed = Math.round(number(flag, value, 0, 2 ** 31));
        break;
      case '--report':
        if (value === undefined || value === '') {
          throw new Error('--report needs a file name');
        }
        options.reportPath = value;
        break;
      default:
        throw new Error(`unknown option ${flag}\n${SOAK_USAGE}`);
    }
    i++;
  }
  if (options.rooms > options.clients / 2) {
    throw new Error('--rooms must leave at least two clients per room');
  }
  return options;
}
