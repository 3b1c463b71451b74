// Entry point of the fake backend child process: the bench starts it pinned to the generator's
// core, reads "listening <port>" from stdout, and ends it with SIGTERM.
import { startFakeBackend } from './fake-backend.js';

const backend = await startFakeBackend(Number(process.argv[2] ?? 0));
process.stdout.write(`listening ${backend.port}\n`);
const stop = () => {
  backend.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Ends with the bench even if the bench dies without signalling (its stdin pipe closes).
process.stdin.on('end', stop);
process.stdin.resume();
