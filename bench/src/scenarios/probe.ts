import { setTimeout as delay } from 'node:timers/promises';
import { BackendApiClient, participantEntry } from '../client/backend-api-client.js';
import { type BenchClient, nowMicros } from '../client/bench-client.js';
import { closeAll, openSessions } from '../client/pool.js';
import type { BackendProcess } from '../harness/backend-process.js';
import type { RunningServer } from '../harness/server-launcher.js';
import { MESSAGE_SUFFIX, messagePrefix } from './payload.js';
import type { Capabilities } from './scenario.js';

const TIMEOUT_MS = 2000;

/** A server that supports nothing (not started, or before probing). */
export function noCapabilities(): Capabilities {
  return {
    hello: false,
    roomJoin: false,
    roomLeave: false,
    sessionMessage: false,
    roomMessage: false,
    backendApi: false,
    backendApiEvents: false,
  };
}

/** What the probe found, with the reason of each failure. */
export interface ProbeResult {
  capabilities: Capabilities;
  failures: string[];
}

/**
 * Checks what a server does before the scenarios rely on it: hello, room join/leave, 1:1 and room
 * messages, backend API requests and the events they cause. Our rooms layer lands concurrently;
 * scenarios whose needs fail here are reported as n/a for that server instead of measuring noise.
 */
export async function probe(
  server: RunningServer,
  backend: BackendProcess,
  backendSecret: string,
): Promise<ProbeResult> {
  const caps = noCapabilities();
  const failures: string[] = [];
  const opened = await openSessions({
    wsUrl: server.wsUrl,
    helloUrl: backend.helloUrl,
    count: 2,
    concurrency: 1,
    timeoutMs: TIMEOUT_MS,
    deadline: Date.now() + 10_000,
    userPrefix: 'probe-',
  });
  const [a, b] = opened.clients;
  const api = new BackendApiClient(server.httpUrl, backendSecret, backend.baseUrl, 1);
  try {
    if (!a || !b) {
      failures.push(`hello: ${opened.firstError ?? 'failed'}`);
      return { capabilities: caps, failures };
    }
    caps.hello = true;
    const step = async (name: keyof Capabilities, action: () => Promise<void>) => {
      try {
        await action();
        caps[name] = true;
      } catch (err) {
        failures.push(`${name}: ${(err as Error).message}`);
      }
    };
    await step('roomJoin', async () => {
      await a.join('bench-probe', 'probe-a', TIMEOUT_MS);
      await b.join('bench-probe', 'probe-b', TIMEOUT_MS);
    });
    await step('sessionMessage', () =>
      expectMessage(b, () => a.send(messageFrame({ type: 'session', sessionid: b.sessionId }, 32))),
    );
    if (caps.roomJoin) {
      await step('roomMessage', () =>
        expectMessage(b, () => a.send(messageFrame({ type: 'room' }, 32))),
      );
    }
    await step('backendApi', async () => {
      const before = b.events;
      const body = JSON.stringify({
        type: 'participants',
        participants: {
          changed: [participantEntry('probe-b', 'probe-1', 1)],
          users: [
            participantEntry('probe-a', 'probe-0', 1),
            participantEntry('probe-b', 'probe-1', 1),
          ],
        },
      });
      const res = await api.post('bench-probe', body, TIMEOUT_MS);
      if (res.status !== 200) {
        throw new Error(`HTTP ${res.status} ${res.body.trim().slice(0, 80)}`);
      }
      if (caps.roomJoin) {
        const deadline = Date.now() + 1000;
        while (b.events === before && Date.now() < deadline) {
          await delay(10);
        }
        if (b.events > before) {
          caps.backendApiEvents = true;
        } else {
          failures.push('backendApiEvents: no participants event within 1 s');
        }
      }
    });
    if (caps.roomJoin) {
      await step('roomLeave', () => a.leave(TIMEOUT_MS));
    }
    return { capabilities: caps, failures };
  } finally {
    api.close();
    closeAll(opened.clients);
  }
}

/** A `message` frame with the bench payload, stamped now. */
function messageFrame(recipient: Record<string, string>, bytes: number): string {
  return messagePrefix(recipient, { padding: bytes }) + nowMicros() + MESSAGE_SUFFIX;
}

async function expectMessage(receiver: BenchClient, send: () => void): Promise<void> {
  const received = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      receiver.onMessage = undefined;
      reject(new Error('not delivered within 1 s'));
    }, 1000);
    receiver.onMessage = () => {
      clearTimeout(timer);
      receiver.onMessage = undefined;
      resolve();
    };
  });
  send();
  await received;
}
