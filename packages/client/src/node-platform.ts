// Installs the Node defaults (imported for its effect by index.ts, never by browser.ts):
// `@roamhq/wrtc` as the media stack, WAV files read and written with node:fs.
import { CallRecorder } from './media/call-recorder.js';
import { readWavFile } from './media/wav-file.js';
import { loadWrtcStack } from './media/wrtc-stack.js';
import { installPlatform } from './platform.js';

installPlatform({
  name: 'node',
  loadMediaStack: loadWrtcStack,
  readWavFile,
  createRecorder: (dir, onError) => new CallRecorder(dir, onError),
});
