import { type ChatMessage, participantName, type TalkStatus } from '@spreed-ts/client';

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
    case 'receiving':
      return `receiving from ${participantName(status.participant)}`;
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

/** A chat message as one line: `[12:34] Name: text`. */
export function chatLine(message: ChatMessage): string {
  const time = new Date(message.timestamp * 1000).toISOString().slice(11, 16);
  const who =
    message.actorDisplayName || (message.actorType === 'guests' ? 'Guest' : message.actorId);
  const text = message.message.replace(/\s*\n\s*/g, ' ⏎ ');
  return message.messageType === 'system' ? `[${time}] * ${text}` : `[${time}] ${who}: ${text}`;
}
