import {
  describeError,
  InternalClient,
  parseRoomUrl,
  type RecordedTrack,
  TalkClient,
} from '@spreed-ts/client';
import type { RecordArgs } from './args.js';
import { type CliIo, cliLogger, waitOrStop } from './cli-io.js';
import { JoinAnnouncer } from './join-announcer.js';
import { clientOptions, recordedLine } from './join-command.js';
import { checkRecordDir } from './local-files.js';
import { statusLine } from './status-line.js';

/** What both recorder kinds offer the command. */
interface Recorder {
  closed: Promise<Error | undefined>;
  stopRecording(): Promise<RecordedTrack[]>;
  leave(): Promise<void>;
}

/**
 * `talk record`: joins the call receive-only — as a guest through Talk, or with `--signaling`
 * as an internal client of the signaling server (no Talk participant) — and writes every
 * participant's audio (and with `--video-record` their cameras and screens) into `--out`.
 * Returns the exit code: 0 when something was recorded.
 */
export async function runRecord(args: RecordArgs, io: CliIo): Promise<number> {
  await checkRecordDir(args.out);
  io.out(`recording ${args.roomUrl}`);
  const announcer = new JoinAnnouncer((line) => io.out(line), statusLine);
  const onStatus = (status: Parameters<typeof statusLine>[0]): void => {
    if (announcer.handle(status)) {
      return;
    }
    const line = statusLine(status);
    if (line !== undefined) {
      io.out(line);
    }
  };
  const video = args.videoRecord;
  let recorder: Recorder;
  if (args.signaling !== undefined && args.internalSecret !== undefined) {
    const url = parseRoomUrl(args.roomUrl);
    const logger = cliLogger(io, args.verbose);
    const client = await InternalClient.join({
      signalingUrl: args.signaling,
      secret: args.internalSecret,
      backendUrl: url.baseUrl,
      token: url.token,
      receiveVideo: video,
      ...(args.name === undefined ? {} : { name: args.name }),
      logger,
      onStatus,
    }).catch((error: unknown) => {
      throw new Error(`cannot connect as an internal client: ${describeError(error)}`, {
        cause: error,
      });
    });
    const closed = new Promise<Error | undefined>((resolve) =>
      client.once('closed', () => resolve(new Error('the signaling connection closed'))),
    );
    client.record(args.out, { video });
    recorder = { closed, stopRecording: () => client.stopRecording(), leave: () => client.leave() };
  } else {
    const client = await TalkClient.join(args.roomUrl, {
      ...clientOptions({ ...args, name: args.name ?? 'Recorder' }, io),
      receiveChat: false,
      onStatus,
    });
    client.record(args.out, { video });
    recorder = client;
    try {
      await client.joinCall({ audio: false, receiveVideo: video, silent: true });
    } catch (error) {
      await client.leave();
      throw error;
    }
  }
  io.out(`recording ${video ? 'audio and video' : 'audio'} into ${args.out}`);
  let failure: Error | undefined;
  const why = await waitOrStop(args.duration, io.stop, recorder.closed);
  if (why === 'other') {
    failure = (await recorder.closed) ?? new Error('the client closed');
  } else if (why === 'stopped') {
    io.out('interrupted');
  }
  io.out('leaving');
  announcer.close();
  const recorded = await recorder.stopRecording();
  await recorder.leave();
  for (const track of recorded) {
    io.out(recordedLine(track));
  }
  if (failure !== undefined) {
    io.err(`talk: ${describeError(failure)}`);
    return 1;
  }
  io.out('left');
  if (!recorded.some((track) => track.seconds > 0)) {
    io.err(`talk: recorded nothing into ${args.out}: nobody's audio or video arrived`);
    return 1;
  }
  return 0;
}
