// P2P negotiation between two headless SDK peers must end connected, retrying or with a reported
// reason, never silently without media. The failure: the peer with the larger session id
// offers as soon as it sees the other in the call, but the other's media only starts once its own
// `POST /call` has answered; an offer arriving in between was dropped, the smaller peer's fallback
// offer 10 s later was then ignored by the larger (glare rule), and both waited forever. CPU load
// widens that window, a slow `POST /call` answer opens it on demand.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TalkClient, TalkStatus } from '@spreed-ts/client';
import { talk } from './helpers/run-cli.js';
import { startTalkEnv, type TalkEnv } from './helpers/talk-env.js';

/** One busy-looping child per core, each ending by itself after `ms`; disposing kills them. */
function cpuLoad(ms: number): AsyncDisposable {
  const children: ChildProcess[] = [];
  for (let i = 0; i < availableParallelism(); i++) {
    children.push(
      spawn(
        process.execPath,
        ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end) {}`],
        {
          stdio: 'ignore',
        },
      ),
    );
  }
  return {
    async [Symbol.asyncDispose]() {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGKILL');
            await exited;
          }
        }),
      );
    },
  };
}

/** Resolves when `client` reports a connection to `remoteId`; records every status. */
function connectedTo(client: TalkClient, remoteId: () => string, log: string[]): Promise<void> {
  return new Promise((resolve) => {
    const onStatus = (status: TalkStatus): void => {
      log.push(status.type === 'warning' ? `warning: ${status.message}` : status.type);
      if (status.type === 'peerConnected' && status.participant.sessionId === remoteId()) {
        client.off('status', onStatus);
        resolve();
      }
    };
    client.on('status', onStatus);
  });
}

/** `fetch` whose answer to `POST …/call/{token}` comes late once `slow.ms` is set (busy PHP). */
function slowCallPost(slow: { ms: number }): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (slow.ms > 0 && (init?.method ?? 'GET') === 'POST' && /\/call\/[^/?]+(\?|$)/.test(url)) {
      await sleep(slow.ms);
    }
    return response;
  };
}

/**
 * Two peers in a new room: the one with the larger session id joins the call first (so it offers
 * at once when the second appears), then the second, whose `POST /call` answers `slowMs` late.
 * Resolves with an error text when they do not both report the connection within `deadlineMs`.
 */
async function oneCall(
  env: TalkEnv,
  slowMs: number,
  deadlineMs: number,
): Promise<string | undefined> {
  const url = env.createRoom().url;
  const slowX = { ms: 0 };
  const slowY = { ms: 0 };
  const x = await env.join({ name: 'X', fetch: slowCallPost(slowX) }, url);
  const y = await env.join({ name: 'Y', fetch: slowCallPost(slowY) }, url);
  const xFirst = (x.sessionId as string) > (y.sessionId as string);
  const [first, last] = xFirst ? [x, y] : [y, x];
  (xFirst ? slowY : slowX).ms = slowMs;
  const firstLog: string[] = [];
  const lastLog: string[] = [];
  try {
    const both = Promise.all([
      connectedTo(first, () => last.sessionId as string, firstLog),
      connectedTo(last, () => first.sessionId as string, lastLog),
    ]);
    await first.joinCall({ audio: { tone: 440 } });
    await last.joinCall({ audio: { tone: 660 } });
    const timer = sleep(deadlineMs).then(() => 'timeout');
    const outcome = await Promise.race([both.then(() => 'ok'), timer]);
    return outcome === 'ok'
      ? undefined
      : `no connection within ${deadlineMs} ms; first: ${firstLog.join(', ')}; second: ${lastLog.join(', ')}`;
  } finally {
    await Promise.all([x.leave(), y.leave()]);
  }
}

test('p2p negotiation - an offer that arrives before our POST /call answered is not lost', {
  timeout: 30_000,
}, async () => {
  await using env = await startTalkEnv();
  // The smaller peer's POST /call answers 1 s late; its fallback offer (2 s) must not be needed.
  const failure = await oneCall(env, 1000, 2500);
  assert.equal(failure, undefined, failure);
});

/**
 * One call between an SDK peer (in the call first) and the `talk` CLI in its own process: resolves
 * with an error text unless both report the connection to each other.
 */
async function cliCall(env: TalkEnv, durationS: number): Promise<string | undefined> {
  const url = env.createRoom().url;
  const sdk = await env.join({ name: 'Sdk' }, url);
  try {
    await sdk.joinCall({ audio: { tone: 440 } });
    const log: string[] = [];
    let connected = false;
    sdk.on('peerConnected', (p) => {
      connected ||= p.displayName === 'Cli';
    });
    const cli = await talk(
      ['join', url, '--name', 'Cli', '--tone', '660', '--duration', String(durationS)],
      (durationS + 20) * 1000,
    );
    log.push(cli.out.trim().replaceAll('\n', ' | '), cli.err.trim());
    const cliConnected = /connected to Sdk/.test(cli.out);
    return connected && cliConnected
      ? undefined
      : `sdk connected: ${connected}, cli connected: ${cliConnected}; cli said: ${log.join(' / ')}`;
  } finally {
    await sdk.leave();
  }
}

test('p2p negotiation - six calls with the CLI under CPU load all connect', {
  timeout: 90_000,
}, async () => {
  const runs = Number(process.env.P2P_RUNS ?? 6);
  await using env = await startTalkEnv();
  await using _load = cpuLoad(80_000);
  const failures: string[] = [];
  // Two at a time: more load, and six runs stay under a minute.
  for (let i = 0; i < runs; i += 2) {
    const results = await Promise.all([
      cliCall(env, 6),
      i + 1 < runs ? cliCall(env, 6) : undefined,
    ]);
    results.forEach((failure, j) => {
      if (failure !== undefined) {
        failures.push(`run ${i + j + 1}: ${failure}`);
      }
    });
  }
  assert.deepEqual(
    failures,
    [],
    `${failures.length} of ${runs} calls failed:\n${failures.join('\n')}`,
  );
});
