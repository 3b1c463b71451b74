// Installs the Node defaults (imported for its effect by index.ts, never by browser.ts):
// `@roamhq/wrtc` as the media stack, WAV and Y4M files read and written with node:fs.
import { CallRecorder } from './media/call-recorder.js';
import { readWavFile } from './media/wav-file.js';
import { loadWrtcStack } from './media/wrtc-stack.js';
import { readY4mFile } from './media/y4m-file.js';
import { installPlatform } from './platform.js';

installPlatform({
  name: 'node',
  loadMediaStack: loadWrtcStack,
  readWavFile,
  readY4mFile,
  createRecorder: (dir, onError, options) => new CallRecorder(dir, onError, options),
});
