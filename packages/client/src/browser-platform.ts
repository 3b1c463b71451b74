// Installs the browser defaults (imported for its effect by browser.ts): the browser's own WebRTC
// and Web Audio as the media stack; no file system, so WAV paths and recording to files refuse.
import { browserMediaStack } from './media/browser-stack.js';
import { installPlatform } from './platform.js';
import { ClientError } from './util/client-error.js';

installPlatform({
  name: 'browser',
  loadMediaStack: () => browserMediaStack(),
  readWavFile: (path) =>
    Promise.reject(
      new ClientError(
        'invalid_state',
        `cannot read ${path} in a browser: decode the file with decodeWav() and play it as { source: new BufferSource(samples) }`,
      ),
    ),
  readY4mFile: (path) =>
    Promise.reject(
      new ClientError(
        'invalid_state',
        `cannot read ${path} in a browser: decode the file with decodeY4m() and send it as { source: new FramesSource(frames, rate) }`,
      ),
    ),
  createRecorder: () => {
    throw new ClientError(
      'invalid_state',
      'recording to files needs Node; in a browser, listen to audioFrame events',
    );
  },
});
