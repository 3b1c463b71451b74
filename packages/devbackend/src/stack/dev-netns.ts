import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/** Set (to `1`) in the environment of the dev stack running inside its network namespace. */
export const DEV_NETNS_ENV = 'SPREED_DEV_NETNS';

/** Janus's ICE address inside the namespace: loopback range, but on a veth, which Janus uses. */
export const DEV_NETNS_ADDRESS = '127.0.0.2';

/**
 * The namespace's network (the recipe of packages/testkit/src/netns.ts and
 * /work/shared/reference/janus-on-loopback.md): `lo` up, a veth pair with 127.0.0.2/32 on one end,
 * IPv6 off on the pair, and the sysctls that let 127.0.0.1 and 127.0.0.2 talk over it.
 */
const SETUP = `set -e
ip link set lo up
ip link add jv0 type veth peer name jv1
ip addr add ${DEV_NETNS_ADDRESS}/32 dev jv0
for i in jv0 jv1; do echo 1 > /proc/sys/net/ipv6/conf/$i/disable_ipv6 || true; done
for i in all default jv0 jv1; do
  echo 1 > /proc/sys/net/ipv4/conf/$i/route_localnet
  echo 1 > /proc/sys/net/ipv4/conf/$i/accept_local
  echo 0 > /proc/sys/net/ipv4/conf/$i/rp_filter
done
ip link set jv1 up
ip link set jv0 up
`;

/** Whether this process is the dev stack inside its namespace. */
export function insideDevNetns(): boolean {
  return process.env[DEV_NETNS_ENV] === '1';
}

/** Why the stack cannot run in its own network namespace here, or undefined when it can. */
export function devNetnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') {
    return 'network namespaces need Linux';
  }
  if (process.getuid?.() !== 0) {
    return 'creating a network namespace needs root';
  }
  for (const command of ['unshare', 'ip']) {
    if (spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status !== 0) {
      return `${command} is not installed (util-linux, iproute2)`;
    }
  }
  return undefined;
}

/**
 * The `nsenter` prefix that runs a command in this process's network namespace. `/proc` is the
 * host's (the namespace has no /proc of its own), so `/proc/self` names our host PID.
 */
export function nsenterPrefix(): string {
  return `sudo nsenter --net=/proc/${readlinkSync('/proc/self')}/ns/net`;
}

/**
 * Runs `script args…` (this Node binary) again inside a new network and PID namespace with the
 * network above, and resolves with its exit code. The inner run stops when its standard input
 * closes, which is how it is told to stop: Ctrl-C reaches it directly (same process group), and
 * a SIGINT/SIGTERM sent to this process closes the pipe. If it has not ended 15 s later, `unshare`
 * is killed, which kills the inner run (`--kill-child`) and with it, as PID 1 of its namespace,
 * everything it started (Janus, the signaling server).
 */
export function runInDevNetns(script: string, args: readonly string[]): Promise<number> {
  const child = spawn(
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
      process.execPath,
      script,
      ...args,
    ],
    { env: { ...process.env, [DEV_NETNS_ENV]: '1' }, stdio: ['pipe', 'inherit', 'inherit'] },
  );
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
