import { nowMicros } from '../client/bench-client.js';

/**
 * Bench payloads are `{"p":"xxx…","t":<µs>}`: padding to the wanted size, then the send time as the
 * last key so receivers find it by searching the frame from its end (see `readStamp`).
 */
function padding(payloadBytes: number): string {
  // `{"p":"","t":` + a 9-digit stamp (µs since the bench started, < 1000 s) + `}` is 22 bytes.
  return 'x'.repeat(Math.max(0, payloadBytes - 22));
}

/** One payload stamped now. */
export function dataPayload(payloadBytes: number): string {
  return `{"p":"${padding(payloadBytes)}","t":${nowMicros()}}`;
}

/**
 * Everything of a `message` frame up to the stamp, so sending costs one concatenation:
 * `prefix + nowMicros() + MESSAGE_SUFFIX`.
 */
export function messagePrefix(recipient: Record<string, string>, payloadBytes: number): string {
  return `{"type":"message","message":{"recipient":${JSON.stringify(recipient)},"data":{"p":"${padding(payloadBytes)}","t":`;
}

export const MESSAGE_SUFFIX = '}}}';
