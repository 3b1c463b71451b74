// The public API of @spreed-ts/client in browsers (`@spreed-ts/client/browser`, and what bundlers
// pick for `@spreed-ts/client` through the `browser` export condition): the names of `index.ts`
// minus the Node-only ones (WAV files, recording to files, `@roamhq/wrtc`). Nothing imported from
// here reaches a Node built-in (architecture.test.ts checks the graph). Importing this module
// installs the browser defaults.
import './browser-platform.js';

export * from './common.js';
export type { CallRecorder } from './media/call-recorder.js';
