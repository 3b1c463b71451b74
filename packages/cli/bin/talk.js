#!/usr/bin/env node
// The `talk` executable. It is a committed file rather than dist/main.js so that `npm install`
// in a fresh clone links it before anything is built: with no local `talk` to run, `npx talk`
// would look the name up in the public registry, where an unrelated package has it.
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
let cli;
try {
  cli = await import(main.href);
} catch (error) {
  if (
    error?.code === 'ERR_MODULE_NOT_FOUND' &&
    String(error.message).includes(fileURLToPath(main))
  ) {
    process.stderr.write(
      'talk: @spreed-ts/cli is not built yet: run `npm run build` (or `npm start`) in the repository\n',
    );
    process.exit(1);
  }
  throw error;
}
await cli.runTalk();
