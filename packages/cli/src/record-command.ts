import { describeError, InternalClient, parseRoomUrl, TalkClient } from '@spreed-ts/client';
import type { RecordArgs } from './args.js';
import { type CallClient, callStatusPrinter, leaveCall, stayInCall } from './call-output.js';
import { type CliIo, cliLogger } from './cli-io.js';
import { clientOptions } from './join-command.js';
import { checkRecordDir } from './local-files.js';

/**
 * `talk record`: joins the call receive-only — as a guest through Talk, or with `--signaling`
 * as an internal client of the signaling server (no Talk participant) — and writes every
 * participant's audio (and with `--video-record` their cameras and screens) into `--out`.
 * Returns the exit code: 0 when something was recorded.
 */
export async function runRecord(args: RecordArgs, io: CliIo): Promise<number> {
  await checkRecordDir(args.out);
  io.out(`recording ${args.roomUrl}`);
  const { announcer, onStatus } = callStatusPrinter(io);
  const video = args.videoRecord;
  let recorder: CallClient;
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
  const failure = await stayInCall(args.duration, io, recorder);
  const recorded = await leaveCall(io, announcer, recorder, failure);
  if (recorded === undefined) {
    return 1;
  }
  if (!recorded.some((track) => track.seconds > 0)) {
    io.err(`talk: recorded nothing into ${args.out}: nobody's audio or video arrived`);
    return 1;
  }
  return 0;
}
