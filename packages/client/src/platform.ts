import type { CallRecorder } from './media/call-recorder.js';
import type { MediaStack } from './media/media-stack.js';
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
  /** Starts writing one WAV file per participant into `dir` (`TalkClient.record`). */
  createRecorder(dir: string, onError: (message: string) => void): CallRecorder;
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
