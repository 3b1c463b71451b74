/**
 * `npm start` and `npm run start:sfu`: runs the development stack (Talk development backend and
 * our signaling server, with Janus for `--sfu`) until Ctrl-C, and prints a public room URL.
 *
 *   node packages/devbackend/dist/dev-stack.js [--sfu [--ice-address IP]]
 *
 * Janus never gathers ICE candidates on loopback interfaces. `--sfu` therefore either gives it
 * `--ice-address` (or `$JANUS_ICE_ADDRESS`), a non-loopback address of this machine such as its
 * LAN address, or — without one, as root — runs the whole stack in a private network namespace
 * it creates, where 127.0.0.2 sits on a veth (see stack/netns.ts). Clients then run inside
 * that namespace (`nsenter`, printed in the banner).
 */
import { realpathSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  insideDevNetns,
  NETNS_ADDRESS,
  netnsUnavailable,
  nsenterPrefix,
  runInDevNetns,
} from './stack/netns.js';
import { banner, type DevStack, startDevStack } from './stack/start-dev-stack.js';

const USAGE = `usage: dev-stack.js [--sfu [--ice-address IP]]
  --sfu              also run Janus as the SFU ([mcu] type = janus)
  --ice-address IP   the (non-loopback) address Janus uses for media; default: run the stack in
                     its own network namespace (root), with Janus on 127.0.0.2 there`;

/** Non-loopback IPv4 addresses of this machine, as suggestions for `--ice-address`. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}

function namespaceHints(stack: DevStack): string {
  const enter = nsenterPrefix();
  return [
    'This stack runs in its own network namespace: Janus ignores loopback interfaces, so it uses',
    `${NETNS_ADDRESS} on a veth there. The URLs above work inside the namespace only. Run clients with`,
    `  ${enter} node packages/cli/dist/main.js join ${stack.roomUrl} --tone 440 --record recordings`,
    `  ${enter} chromium --no-sandbox --user-data-dir=$(mktemp -d) ${stack.roomUrl}`,
    'A browser outside the namespace cannot reach Janus for media; for that, restart with',
    "  npm run start:sfu -- --ice-address <this machine's LAN address>",
    '',
  ].join('\n');
}

async function runStack(iceAddress: string | undefined): Promise<void> {
  let stack: DevStack;
  try {
    stack = await startDevStack(iceAddress === undefined ? {} : { sfu: { iceAddress } });
  } catch (error) {
    console.error(`dev stack failed to start: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
    return;
  }
  console.log(banner(stack));
  if (insideDevNetns()) {
    console.log(namespaceHints(stack));
  }
  let shuttingDown = false;
  const shutdown = (code: number): void => {
    if (shuttingDown) {
      return;
    }
    shuttingDown = true;
    console.log('stopping …');
    void stack.stop().then(() => process.exit(code));
  };
  process.once('SIGINT', () => shutdown(0));
  process.once('SIGTERM', () => shutdown(0));
  if (insideDevNetns()) {
    // The launcher outside closes our stdin to stop us (see runInDevNetns).
    process.stdin.on('end', () => shutdown(0));
    process.stdin.resume();
  }
  void stack.signaling.exited.then((code) => {
    if (!shuttingDown) {
      console.error(`signaling server exited (${code}); stopping`);
      shutdown(1);
    }
  });
  void stack.janus?.exited.then((code) => {
    if (!shuttingDown) {
      console.error(`Janus exited (${code}); stopping`);
      shutdown(1);
    }
  });
}

async function main(): Promise<void> {
  let values: { sfu?: boolean; 'ice-address'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        sfu: { type: 'boolean' },
        'ice-address': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  if (values.sfu !== true) {
    await runStack(undefined);
    return;
  }
  if (insideDevNetns()) {
    await runStack(NETNS_ADDRESS);
    return;
  }
  const iceAddress = values['ice-address'] ?? process.env.JANUS_ICE_ADDRESS;
  if (iceAddress !== undefined && iceAddress !== '') {
    await runStack(iceAddress);
    return;
  }
  const unavailable = netnsUnavailable();
  if (unavailable !== undefined) {
    const lan = lanAddresses();
    console.error(
      [
        `cannot start the SFU stack: ${unavailable}.`,
        'Janus ignores loopback interfaces, so either run this as root (the stack then runs in its',
        'own network namespace) or give Janus an address of a real interface:',
        `  npm run start:sfu -- --ice-address ${lan[0] ?? '<address>'}`,
        lan.length > 1 ? `(addresses here: ${lan.join(', ')})` : '',
      ]
        .filter((line) => line !== '')
        .join('\n'),
    );
    process.exitCode = 1;
    return;
  }
  process.exitCode = await runInDevNetns(fileURLToPath(import.meta.url), process.argv.slice(2));
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) {
    return false;
  }
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  void main();
}
