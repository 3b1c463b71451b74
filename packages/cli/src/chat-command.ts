import { TalkClient } from '@spreed-ts/client';
import type { ChatArgs } from './args.js';
import type { CliIo } from './cli-io.js';
import { waitOrStop } from './cli-io.js';
import { clientOptions } from './join-command.js';
import { chatLine } from './status-line.js';

/**
 * `talk chat`: prints the last 20 messages, sends `--send`, and with `--follow` prints new
 * messages (pushed over signaling) until Ctrl-C. Returns the exit code.
 */
export async function runChat(args: ChatArgs, io: CliIo): Promise<number> {
  const client = await TalkClient.join(args.roomUrl, {
    ...clientOptions(args, io),
    // Signaling keeps us present and pushes new messages; a one-shot send needs neither, and no
    // chat long-poll either (it would hold one of the server's PHP workers for 30 s).
    signaling: args.follow,
    receiveChat: args.follow,
  });
  try {
    if (args.send === undefined || args.follow) {
      for (const message of await client.chat.history({ limit: 20 })) {
        io.out(chatLine(message));
      }
    }
    if (args.send !== undefined) {
      const sent = await client.chat.send(args.send);
      io.out(`sent #${sent.id}`);
    }
    if (args.follow) {
      client.on('chatMessage', (message) => io.out(chatLine(message)));
      const why = await waitOrStop(undefined, io.stop, client.closed);
      if (why === 'other') {
        const error = await client.closed;
        if (error !== undefined) {
          io.err(`talk: ${error.message}`);
          return 1;
        }
      }
    }
    return 0;
  } finally {
    await client.leave();
  }
}
