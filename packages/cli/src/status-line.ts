import {
  type ChatMessage,
  participantName,
  renderChatMessage,
  type TalkStatus,
} from '@spreed-ts/client';

/** One status line for `talk`, or undefined for statuses it does not print. */
export function statusLine(status: TalkStatus): string | undefined {
  switch (status.type) {
    case 'connected':
      return `connected: signaling session ${status.sessionId.slice(0, 8)}… (hello ${status.hello})`;
    case 'inRoom':
      return `in room ${status.room}`;
    case 'inCall':
      return `in call (${status.mode === 'sfu' ? 'through the SFU' : 'peer-to-peer'})`;
    case 'peerConnected':
      return status.role === 'publisher'
        ? 'publishing to the SFU'
        : `connected to ${participantName(status.participant)}`;
    case 'peerRetrying':
      return `no connection with ${participantName(status.participant)} yet (${status.reason}): trying again (attempt ${status.attempt})`;
    case 'peerFailed':
      return `failed to connect to ${participantName(status.participant)}: ${status.reason}; no audio with them`;
    case 'receiving':
      return `receiving from ${participantName(status.participant)}`;
    case 'receivingVideo':
      return status.roomType === 'screen'
        ? `receiving ${participantName(status.participant)}'s screen`
        : `receiving video from ${participantName(status.participant)}`;
    case 'participantMedia': {
      const media = [status.audio ? 'audio' : '', status.video ? 'video' : ''].filter(Boolean);
      return `${participantName(status.participant)} is in the call ${
        media.length === 0 ? 'without audio or video' : `with ${media.join(' and ')}`
      }`;
    }
    case 'participantJoined':
      return status.participant.displayName === undefined
        ? `a participant joined (session ${status.participant.sessionId.slice(0, 8)}…)`
        : `${participantName(status.participant)} joined`;
    case 'participantLeft':
      return `${participantName(status.participant)} left`;
    case 'disconnected':
      return `signaling disconnected: ${status.reason}`;
    case 'reconnecting':
      return `reconnecting in ${(status.delayMs / 1000).toFixed(1)} s (attempt ${status.attempt})`;
    case 'reconnected':
      return status.resumed ? 'reconnected (session resumed)' : 'reconnected (new session)';
    case 'callLeft':
      // Our own leave is reported by the command itself.
      return status.reason === 'left' ? undefined : `out of the call: ${status.reason}`;
    case 'warning':
      return `warning: ${status.message}`;
    case 'closed':
      return status.error === undefined ? undefined : `closed: ${status.error.message}`;
  }
}

/** Options of {@link chatLine}. */
export interface ChatLineOptions {
  /** IANA time zone for the time; default the local one (`TZ`). */
  timeZone?: string;
}

/**
 * A chat message as one line: `[12:34] Name: text`, or `[12:34] * text` for system messages, with
 * Talk's `{placeholders}` rendered (`{actor}` → the name, `{mention-user1}` → `@name`) and the
 * time of day in the local time zone.
 */
export function chatLine(message: ChatMessage, options: ChatLineOptions = {}): string {
  const time = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  }).format(new Date(message.timestamp * 1000));
  const who =
    message.actorDisplayName || (message.actorType === 'guests' ? 'Guest' : message.actorId);
  const text = renderChatMessage(message).replace(/\s*\n\s*/g, ' ⏎ ');
  return message.messageType === 'system' ? `[${time}] * ${text}` : `[${time}] ${who}: ${text}`;
}
