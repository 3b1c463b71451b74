import {
  type AudioInput,
  BufferSource,
  FramesSource,
  TalkClient,
  type TalkClientOptions,
  type VideoInput,
} from '@spreed-ts/client';
import { type CommonArgs, type JoinArgs, TEST_PATTERN } from './args.js';
import { callStatusPrinter, leaveCall, stayInCall } from './call-output.js';
import { type CliIo, cliLogger } from './cli-io.js';
import { checkRecordDir, loadWav, loadY4m } from './local-files.js';
import { chatLine } from './status-line.js';

/** Client options from the shared flags. */
export function clientOptions(args: CommonArgs, io: CliIo): TalkClientOptions {
  const options: TalkClientOptions = { logger: cliLogger(io, args.verbose), signal: io.stop };
  if (args.name !== undefined) {
    options.name = args.name;
  }
  if (args.password !== undefined) {
    options.password = args.password;
  }
  if (args.user !== undefined && args.appPassword !== undefined) {
    options.user = args.user;
    options.appPassword = args.appPassword;
  }
  return options;
}

function audioInput(args: JoinArgs, wav: Int16Array | undefined): AudioInput | false {
  if (args.tone !== undefined) {
    return { tone: args.tone };
  }
  if (wav !== undefined) {
    return { source: new BufferSource(wav) };
  }
  return false;
}

/** `--video` / `--screen`: the test pattern, or a Y4M file read (and checked) before joining. */
async function videoInput(
  value: string | undefined,
  flag: string,
  id: number,
): Promise<VideoInput | undefined> {
  if (value === undefined) {
    return undefined;
  }
  if (value === TEST_PATTERN) {
    return { testPattern: { width: 320, height: 240, frameRate: 15, id } };
  }
  const video = await loadY4m(value, flag);
  return { source: new FramesSource(video.frames, video.frameRate, { loop: true }) };
}

/**
 * `talk join`: conversation → signaling → call, optional chat message, tone or WAV out, WAV
 * recordings in, one status line per step; leaves cleanly after `--duration` or on Ctrl-C.
 * Returns the exit code.
 */
export async function runJoin(args: JoinArgs, io: CliIo): Promise<number> {
  // Local files are checked before joining: failing in the middle of a call helps nobody.
  const wav = args.play === undefined ? undefined : await loadWav(args.play);
  if (args.record !== undefined) {
    await checkRecordDir(args.record);
  }
  const video = await videoInput(args.video, '--video', 1);
  const screen = await videoInput(args.screen, '--screen', 2);
  io.out(`joining ${args.roomUrl}`);
  const { announcer, onStatus } = callStatusPrinter(io);
  const client = await TalkClient.join(args.roomUrl, { ...clientOptions(args, io), onStatus });
  client.on('chatMessage', (message) => {
    if (message.actorId !== client.actorId || message.actorType !== client.room.actorType) {
      io.out(`chat ${chatLine(message)}`);
    }
  });
  let failure: Error | undefined;
  try {
    if (args.chat !== undefined) {
      const sent = await client.chat.send(args.chat);
      io.out(`sent chat message #${sent.id}`);
    }
    if (args.record !== undefined) {
      client.record(args.record, { video: args.videoRecord });
      io.out(`recording ${args.videoRecord ? 'audio and video' : 'audio'} into ${args.record}`);
    }
    const audio = audioInput(args, wav);
    await client.joinCall({
      audio,
      ...(video === undefined ? {} : { video }),
      ...(screen === undefined ? {} : { screen }),
      receiveVideo: args.videoRecord,
    });
    if (audio !== false) {
      io.out(args.tone !== undefined ? `sending a ${args.tone} Hz tone` : `playing ${args.play}`);
    } else {
      io.out('receive-only (no --tone or --play)');
    }
    if (args.video !== undefined) {
      io.out(`sending video: ${args.video}`);
    }
    if (args.screen !== undefined) {
      io.out(`sharing a screen: ${args.screen}`);
    }
    failure = await stayInCall(args.duration, io, client);
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
  }
  const recorded = await leaveCall(io, announcer, client, failure);
  if (recorded === undefined) {
    return 1;
  }
  if (
    args.record !== undefined &&
    !recorded.some((track) => track.kind === 'audio' && track.seconds > 0)
  ) {
    io.err(`talk: recorded nothing into ${args.record}: no participant's audio arrived`);
    return 1;
  }
  return 0;
}
