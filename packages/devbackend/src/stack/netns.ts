/**
 * Private network namespaces for Janus on loopback, the one implementation used by the dev stack
 * (`npm run start:sfu` as root) and, through @spreed-ts/testkit, by the SFU and browser tests. Janus never gathers ICE candidates on loopback
 * interfaces, so the namespace gets a veth pair with 127.0.0.2 on one end: still the loopback
 * range, reachable from 127.0.0.1, but on an interface Janus uses. Everything started inside dies
 * with the namespace, as its first process is PID 1 of a new PID namespace.
 */
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/** The address Janus gathers candidates on inside a namespace (on the veth, see below). */
export const NETNS_ADDRESS = '127.0.0.2';

/**
 * Configures the fresh namespace: `lo` up, a veth pair with {@link NETNS_ADDRESS}/32 on one end,
 * IPv6 off on the pair, and the sysctls that let packets between 127.0.0.1 and 127.0.0.2 through
 * (libnice binds to the veth). Written to /proc/sys directly (the namespace has its own net
 * sysctls), so no `sysctl` binary is needed.
 */
const SETUP = `set -e
ip link set lo up
ip link add jv0 type veth peer name jv1
ip addr add ${NETNS_ADDRESS}/32 dev jv0
for i in jv0 jv1; do echo 1 > /proc/sys/net/ipv6/conf/$i/disable_ipv6 || true; done
for i in all default jv0 jv1; do
  echo 1 > /proc/sys/net/ipv4/conf/$i/route_localnet
  echo 1 > /proc/sys/net/ipv4/conf/$i/accept_local
  echo 0 > /proc/sys/net/ipv4/conf/$i/rp_filter
done
ip link set jv1 up
ip link set jv0 up
`;

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Why a network namespace cannot be created here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') {
    return 'network namespaces need Linux';
  }
  if (process.getuid?.() !== 0) {
    return 'network namespaces need root';
  }
  for (const command of ['unshare', 'ip']) {
    if (!hasCommand(command)) {
      return `${command} is not installed (util-linux, iproute2)`;
    }
  }
  return undefined;
}

/**
 * Spawns `command args…` inside a new network and PID namespace set up as above (check
 * {@link netnsUnavailable} first). The command replaces the setup shell, so it is PID 1 there:
 * when it ends, or `unshare` is killed (`--kill-child` passes that on), the kernel kills
 * everything it started and the network namespace disappears with its last process.
 */
export function spawnInNetns(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  return spawn(
    'unshare',
    [
      '--net',
      '--pid',
      '--fork',
      '--kill-child',
      '--',
      'sh',
      '-c',
      `${SETUP}exec "$0" "$@"`,
      command,
      ...args,
    ],
    options,
  );
}

/**
 * The `nsenter` prefix that runs a command in this process's network namespace. `/proc` is the
 * host's (the namespace has no /proc of its own), so `/proc/self` names our host PID.
 */
export function nsenterPrefix(): string {
  return `sudo nsenter --net=/proc/${readlinkSync('/proc/self')}/ns/net`;
}

// --- the dev stack (`npm run start:sfu` as root) ------------------------------------------------

/** Set (to `1`) in the environment of the dev stack running inside its network namespace. */
export const DEV_NETNS_ENV = 'SPREED_DEV_NETNS';

/** Whether this process is the dev stack inside its namespace. */
export function insideDevNetns(): boolean {
  return process.env[DEV_NETNS_ENV] === '1';
}

/**
 * Runs `script args…` (this Node binary) again inside a network namespace (see above), and
 * resolves with its exit code. The inner run stops when its standard input closes, which is how it
 * is told to stop: Ctrl-C reaches it directly (same process group), and a SIGINT/SIGTERM sent to
 * this process closes the pipe. If it has not ended 15 s later, `unshare` is killed, which kills
 * the inner run and with it everything it started (Janus, the signaling server).
 */
export function runInDevNetns(script: string, args: readonly string[]): Promise<number> {
  const child = spawnInNetns(process.execPath, [script, ...args], {
    env: { ...process.env, [DEV_NETNS_ENV]: '1' },
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    child.stdin?.end();
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), 15_000);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return new Promise((resolve) => {
    child.once('error', (error) => {
      console.error(`cannot run unshare: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(killTimer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}
