import type { CallRecorder, RecorderOptions } from './media/call-recorder.js';
import type { MediaStack } from './media/media-stack.js';
import type { Y4mVideo } from './media/y4m.js';
import { ClientError } from './util/client-error.js';

/**
 * @internal What the client takes from its runtime beyond the web platform: file access and the
 * default WebRTC stack. The package entry installs it — `index.ts` the Node one
 * (`node-platform.ts`), `browser.ts` the browser one — so that the modules shared by both never
 * import a Node built-in.
 */
export interface Platform {
  /** `node` or `browser`, for messages. */
  readonly name: string;
  /** The media stack used when `TalkClientOptions.media` is not given. */
  loadMediaStack(): Promise<MediaStack>;
  /** Reads a 16-bit PCM WAV file as 48 kHz mono samples (`{ wav: path }` audio). */
  readWavFile(path: string): Promise<Int16Array>;
  /** Reads a 4:2:0 Y4M file (`{ y4m: path }` video). */
  readY4mFile(path: string): Promise<Y4mVideo>;
  /**
   * Starts writing one WAV file per participant into `dir`, and with `video` one Y4M file per
   * camera and screen (`TalkClient.record`).
   */
  createRecorder(
    dir: string,
    onError: (message: string) => void,
    options?: RecorderOptions,
  ): CallRecorder;
}

let installed: Platform | undefined;

/** @internal Called once by the package entry. */
export function installPlatform(platform: Platform): void {
  installed = platform;
}

/** @internal The installed platform; throws when the client was loaded without an entry. */
export function platform(): Platform {
  if (installed === undefined) {
    throw new ClientError(
      'invalid_state',
      'no platform installed: import @spreed-ts/client (Node) or @spreed-ts/client/browser',
    );
  }
  return installed;
}
