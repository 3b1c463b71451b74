import { describeError, type RecordedTrack, type TalkStatus } from '@spreed-ts/client';
import { type CliIo, waitOrStop } from './cli-io.js';
import { JoinAnnouncer } from './join-announcer.js';
import { statusLine } from './status-line.js';

/** What `talk join` and `talk record` need of a client (Talk guest or internal client). */
export interface CallClient {
  /** Settles when the client closed by itself (with why, when known). */
  closed: Promise<Error | undefined>;
  stopRecording(): Promise<RecordedTrack[]>;
  leave(): Promise<void>;
}

/** One line per recorded file. */
export function recordedLine(track: RecordedTrack): string {
  if (track.kind === 'audio') {
    return `recorded ${track.seconds.toFixed(1)} s from ${track.name}: ${track.path}`;
  }
  const what = track.kind === 'screen' ? 'screen' : 'video';
  return `recorded ${track.seconds.toFixed(1)} s of ${what} (${track.frames ?? 0} pictures, ${track.width}×${track.height}) from ${track.name}: ${track.path}`;
}

/**
 * The console of a call: status lines, joins announced with the newcomer's name. `onStatus` goes
 * to the client's options; the announcer is closed by {@link leaveCall}.
 */
export function callStatusPrinter(io: CliIo): {
  announcer: JoinAnnouncer;
  onStatus: (status: TalkStatus) => void;
} {
  const announcer = new JoinAnnouncer((line) => io.out(line), statusLine);
  const onStatus = (status: TalkStatus): void => {
    if (announcer.handle(status)) {
      return;
    }
    const line = statusLine(status);
    if (line !== undefined) {
      io.out(line);
    }
  };
  return { announcer, onStatus };
}

/**
 * Stays in the call for `seconds` (forever when undefined), until Ctrl-C, or until the client
 * closes by itself; resolves with the failure in the last case.
 */
export async function stayInCall(
  seconds: number | undefined,
  io: CliIo,
  client: CallClient,
): Promise<Error | undefined> {
  const why = await waitOrStop(seconds, io.stop, client.closed);
  if (why === 'other') {
    return (await client.closed) ?? new Error('the client closed');
  }
  if (why === 'stopped') {
    io.out('interrupted');
  }
  return undefined;
}

/**
 * Leaves the call and prints what was recorded. With a `failure` it is printed on stderr and the
 * result is undefined (exit code 1); else "left" is printed and the recordings are returned.
 */
export async function leaveCall(
  io: CliIo,
  announcer: JoinAnnouncer,
  client: CallClient,
  failure: Error | undefined,
): Promise<RecordedTrack[] | undefined> {
  io.out('leaving');
  announcer.close();
  const recorded = await client.stopRecording();
  await client.leave();
  for (const track of recorded) {
    io.out(recordedLine(track));
  }
  if (failure !== undefined) {
    io.err(`talk: ${describeError(failure)}`);
    return undefined;
  }
  io.out('left');
  return recorded;
}
