// A fake signaling proxy that is healthy where placement looks (hello, load) but answers every
// request of the server with a seeded mutation of the right answer.
import { MAX_PEER_JSON_DEPTH } from '@spreed-ts/protocol';
import type { Prng } from '@spreed-ts/testkit';
import { mutateValue, plantHostile } from '../../server/helpers/fuzz.js';
import { type FakeProxy, helloAnswer, startFakeProxy } from './fake-proxy.js';

const SDP_ANSWER =
  'v=0\r\no=- 1 2 IN IP4 127.0.0.2\r\ns=VideoRoom 1\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
const SDP_OFFER = SDP_ANSWER.replace('o=- 1 2', 'o=- 3 1');

/** What the fake did with one request (counted by the test). */
export type ReplyKind =
  | 'right'
  | 'mutated'
  | 'error'
  | 'wrong-id'
  | 'late'
  | 'wrong-type'
  | 'null-payload'
  | 'oversized-value'
  | 'deep-value'
  | 'silent'
  | 'close'
  | 'oversized-frame';

const KINDS: readonly ReplyKind[] = [
  'right',
  'right',
  'mutated',
  'error',
  'wrong-id',
  'late',
  'wrong-type',
  'null-payload',
  'oversized-value',
  'deep-value',
  'silent',
  'close',
  'oversized-frame',
];

/** The fake, with what it answered how. */
export interface ReplyFuzzProxy extends FakeProxy {
  /** Requests (commands and payloads, not hellos) by the kind of reply they got. */
  replies: Map<ReplyKind, number>;
  /** Commands received, by command type. */
  commands: Map<string, number>;
  /** Payloads received, by payload type. */
  payloads: Map<string, number>;
}

/** The answer a healthy proxy gives to `frame` (a command or payload of the server). */
export function rightAnswer(frame: Record<string, unknown>, clientId: string): unknown {
  const id = frame.id;
  if (frame.type === 'command') {
    const command = frame.command as Record<string, unknown>;
    switch (command.type) {
      case 'create-publisher':
        return { id, type: 'command', command: { id: clientId, bitrate: 1_048_576 } };
      case 'create-subscriber':
        return { id, type: 'command', command: { id: clientId, sid: '1796594230987799' } };
      default:
        return { id, type: 'command', command: {} };
    }
  }
  const payload = frame.payload as Record<string, unknown>;
  const inner = (sdpType: string, sdp: string) => ({
    id,
    type: 'payload',
    payload: { type: payload.type, clientId: payload.clientId, payload: { type: sdpType, sdp } },
  });
  switch (payload.type) {
    case 'offer':
      return inner('answer', SDP_ANSWER);
    case 'requestoffer':
    case 'sendoffer':
      return inner('offer', SDP_OFFER);
    default:
      return {
        id,
        type: 'payload',
        payload: { type: payload.type, clientId: payload.clientId, payload: null },
      };
  }
}

/** An answer of another type than `right`, with the request's id. */
function wrongType(rng: Prng, right: Record<string, unknown>): unknown {
  const id = right.id;
  const choices: unknown[] = [
    { id, type: 'hello', hello: { version: '1.0', sessionid: 'other', server: {} } },
    { id, type: 'bye', bye: {} },
    { id, type: 'event', event: { type: 'update-load', load: 1 } },
    right.type === 'command'
      ? { id, type: 'payload', payload: { type: 'offer', clientId: 'c', payload: null } }
      : { id, type: 'command', command: { id: 'c' } },
    { id, type: 'error', error: { code: 'x'.repeat(2_000), message: '' } },
  ];
  return rng.pick(choices);
}

/** `right` with its innermost payload (or the command's client id) null or missing. */
function nullPayload(rng: Prng, right: Record<string, unknown>): unknown {
  const copy = structuredClone(right) as Record<string, Record<string, unknown>>;
  const body = (right.type === 'command' ? copy.command : copy.payload) as Record<string, unknown>;
  const key = right.type === 'command' ? 'id' : 'payload';
  if (rng.chance(0.5)) {
    body[key] = null;
  } else {
    delete body[key];
  }
  if (rng.chance(0.2)) {
    (copy as Record<string, unknown>)[right.type as string] = null;
  }
  return copy;
}

/** `right` with a big value (below the server's 1 MiB frame limit) where the SDP or id goes. */
function oversizedValue(rng: Prng, right: Record<string, unknown>): unknown {
  const copy = structuredClone(right) as Record<string, Record<string, unknown>>;
  const big = rng.pick(['x'.repeat(900_000), Array.from({ length: 50_000 }, (_, i) => i)]);
  if (right.type === 'command') {
    (copy.command as Record<string, unknown>)[rng.pick(['id', 'sid', 'bitrate', 'streams'])] = big;
  } else {
    (copy.payload as Record<string, unknown>).payload = rng.chance(0.5)
      ? { type: 'answer', sdp: big }
      : big;
  }
  return copy;
}

/**
 * Starts the fake: answers hellos like a proxy (resuming its session), reports a load of 0 so
 * that placement prefers it, and answers every other request with a seeded mutation of the right
 * answer; sometimes it closes the connection or sends a frame past the server's limit instead.
 * Half of the create commands get the right answer, so that publishers and subscribers live on the
 * fake and their payloads come to it too. `lateMs`: how long a late answer waits (past the
 * server's `proxytimeout`); the request numbered `forceReconnectAt` gets a frame past the limit
 * unless the connection was closed before.
 */
export async function startReplyFuzzProxy(
  rng: Prng,
  lateMs: number,
  forceReconnectAt = 12,
): Promise<ReplyFuzzProxy> {
  const session = `fake-session-${rng.int(1_000_000)}`;
  const timers = new Set<NodeJS.Timeout>();
  let clients = 0;
  let requests = 0;
  const replies = new Map<ReplyKind, number>();
  const commands = new Map<string, number>();
  const payloads = new Map<string, number>();
  const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  const fake = await startFakeProxy((frame, send, socket) => {
    if (frame.type === 'hello') {
      const hello = frame.hello as { resumeid?: string } | undefined;
      if (hello?.resumeid !== undefined && hello.resumeid !== '' && hello.resumeid !== session) {
        send({
          id: frame.id,
          type: 'error',
          error: { code: 'no_such_session', message: 'The session to resume does not exist.' },
        });
        return;
      }
      send(helloAnswer(frame, session));
      send({ type: 'event', event: { type: 'update-load', load: 0 } });
      return;
    }
    if (frame.type === 'command') {
      count(commands, String((frame.command as { type?: unknown } | undefined)?.type));
    } else if (frame.type === 'payload') {
      count(payloads, String((frame.payload as { type?: unknown } | undefined)?.type));
    } else {
      return;
    }
    const right = rightAnswer(frame, `fake-client-${++clients}`) as Record<string, unknown>;
    requests++;
    const creates =
      frame.type === 'command' &&
      String((frame.command as { type?: unknown }).type).startsWith('create-');
    let kind: ReplyKind = creates && rng.chance(0.5) ? 'right' : rng.pick(KINDS);
    if (requests === forceReconnectAt && (replies.get('close') ?? 0) === 0) {
      // At least one reconnect in every run, whatever the seed picks.
      kind = 'oversized-frame';
    }
    count(replies, kind);
    const sendText = (text: string) => {
      if (socket.readyState === socket.OPEN) {
        socket.send(text);
      }
    };
    switch (kind) {
      case 'right':
        sendText(JSON.stringify(right));
        // A healthy proxy trickles its candidates after an SDP.
        if (frame.type === 'payload' && rng.chance(0.5)) {
          const payload = frame.payload as { clientId?: unknown };
          sendText(
            JSON.stringify({
              type: 'payload',
              payload: {
                type: 'candidate',
                clientId: payload.clientId,
                payload: {
                  candidate: {
                    candidate: 'candidate:1 1 udp 2015363327 127.0.0.2 20862 typ host',
                    sdpMid: '0',
                    sdpMLineIndex: 0,
                  },
                },
              },
            }),
          );
        }
        return;
      case 'mutated':
        sendText(JSON.stringify(mutateValue(rng, right)));
        return;
      case 'error':
        sendText(
          JSON.stringify({
            id: frame.id,
            type: 'error',
            error: rng.pick([
              { code: 'unknown_client', message: 'Unknown client id given.' },
              { code: 'processing_failed', message: 'Processing of the message failed.' },
              { code: '', message: '' },
              { code: 'x', message: 'y'.repeat(10_000), details: { deep: [[[[{}]]]] } },
            ]),
          }),
        );
        return;
      case 'wrong-id':
        sendText(JSON.stringify({ ...right, id: rng.pick(['0', '999999', '', 'x'.repeat(300)]) }));
        return;
      case 'late': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          sendText(JSON.stringify(right));
        }, lateMs);
        timers.add(timer);
        return;
      }
      case 'wrong-type':
        sendText(JSON.stringify(wrongType(rng, right)));
        return;
      case 'null-payload':
        sendText(JSON.stringify(nullPayload(rng, right)));
        return;
      case 'oversized-value':
        sendText(JSON.stringify(oversizedValue(rng, right)));
        return;
      case 'deep-value':
        sendText(plantHostile(rng, right, MAX_PEER_JSON_DEPTH));
        return;
      case 'silent':
        return;
      case 'close':
        if (rng.chance(0.5)) {
          socket.terminate();
        } else {
          socket.close(1011);
        }
        return;
      case 'oversized-frame':
        sendText(JSON.stringify({ ...right, pad: 'x'.repeat(1_100_000) }));
        return;
    }
  });
  const close = fake.close.bind(fake);
  const result: ReplyFuzzProxy = Object.assign(fake, {
    replies,
    commands,
    payloads,
    close: async () => {
      for (const timer of timers) {
        clearTimeout(timer);
      }
      timers.clear();
      await close();
    },
  });
  result[Symbol.asyncDispose] = () => result.close();
  return result;
}
