// The public API of @spreed-ts/client for Node. Everything exported here is documented where it is
// defined. `browser.ts` is the browser entry: the same names minus the Node-only ones (WAV and Y4M files,
// recording to files, `@roamhq/wrtc`). Importing this module installs the Node defaults.
import './node-platform.js';

export * from './common.js';
export { CallRecorder } from './media/call-recorder.js';
export { readWavFile, WavFileWriter } from './media/wav-file.js';
export { loadWrtcStack } from './media/wrtc-stack.js';
export { MAX_Y4M_FILE_BYTES, readY4mFile, Y4mFileWriter } from './media/y4m-file.js';
