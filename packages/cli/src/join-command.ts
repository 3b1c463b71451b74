import {
  type AudioInput,
  BufferSource,
  describeError,
  FramesSource,
  type RecordedTrack,
  TalkClient,
  type TalkClientOptions,
  type VideoInput,
} from '@spreed-ts/client';
import { type CommonArgs, type JoinArgs, TEST_PATTERN } from './args.js';
import { type CliIo, cliLogger, waitOrStop } from './cli-io.js';
import { JoinAnnouncer } from './join-announcer.js';
import { checkRecordDir, loadWav, loadY4m } from './local-files.js';
import { chatLine, statusLine } from './status-line.js';

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

/** One line per recorded file. */
export function recordedLine(track: RecordedTrack): string {
  if (track.kind === 'audio') {
    return `recorded ${track.seconds.toFixed(1)} s from ${track.name}: ${track.path}`;
  }
  const what = track.kind === 'screen' ? 'screen' : 'video';
  return `recorded ${track.seconds.toFixed(1)} s of ${what} (${track.frames ?? 0} pictures, ${track.width}×${track.height}) from ${track.name}: ${track.path}`;
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
  const announcer = new JoinAnnouncer((line) => io.out(line), statusLine);
  const client = await TalkClient.join(args.roomUrl, {
    ...clientOptions(args, io),
    onStatus: (status) => {
      if (announcer.handle(status)) {
        return;
      }
      const line = statusLine(status);
      if (line !== undefined) {
        io.out(line);
      }
    },
  });
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
    const why = await waitOrStop(args.duration, io.stop, client.closed);
    if (why === 'other') {
      failure = (await client.closed) ?? new Error('the client closed');
    } else if (why === 'stopped') {
      io.out('interrupted');
    }
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
  }
  io.out('leaving');
  announcer.close();
  const recorded = await client.stopRecording();
  await client.leave();
  for (const track of recorded) {
    io.out(recordedLine(track));
  }
  if (failure !== undefined) {
    io.err(`talk: ${describeError(failure)}`);
    return 1;
  }
  io.out('left');
  if (
    args.record !== undefined &&
    !recorded.some((track) => track.kind === 'audio' && track.seconds > 0)
  ) {
    io.err(`talk: recorded nothing into ${args.record}: no participant's audio arrived`);
    return 1;
  }
  return 0;
}
