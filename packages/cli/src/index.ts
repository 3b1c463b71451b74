export type { ChatArgs, Command, CommonArgs, JoinArgs } from './args.js';
export { parseCommand, USAGE, UsageError } from './args.js';
export { runChat } from './chat-command.js';
export type { CliIo } from './cli-io.js';
export { runJoin } from './join-command.js';
export { main, runTalk } from './main.js';
export { chatLine, statusLine } from './status-line.js';
