// The development call page (`GET /call/{token}` of the devbackend loads it): joins the
// conversation as a guest with the SDK's browser entry, joins the call with the microphone and
// plays every participant's audio. Bundled by scripts/bundle-browser.mjs.
//
// `window.spreedCall` exposes the page's state for tests and curious developers: the statuses,
// per-participant received frames and level, the WebRTC packet counters (`stats()`), the dominant
// frequency of the last second heard from a participant, and `leave()`.
//
// Query parameters: `name` (display name), `raw=1` (microphone without echo cancellation, noise
// suppression and gain control: for tones and music), `video=1` (send the camera too, and decode
// the participants' video: `window.spreedCall.video` counts their pictures and test pattern
// markers).
import {
  type BrowserMediaStack,
  browserMediaStack,
  type ChatMessage,
  decodeTestPattern,
  describeError,
  type Participant,
  participantName,
  renderChatMessage,
  rms,
  TalkClient,
  type TalkStatus,
  type VideoFrame,
} from '@spreed-ts/client/browser';

/** What the page received of one participant's camera (with `video=1`). */
interface VideoState {
  /** Pictures decoded so far. */
  frames: number;
  /** Pictures whose test pattern marker was read (`decodeTestPattern`), and the ids seen. */
  marked: number;
  ids: number[];
  width: number;
  height: number;
}

/** What the page knows about one remote participant. */
interface PeerState {
  name: string;
  /** 10 ms frames received so far. */
  frames: number;
  /** RMS of the last frame, 0…1 of full scale. */
  level: number;
  /** The last second of audio (100 frames). */
  recent: Int16Array[];
}

/** WebRTC counters summed over all peer connections. */
interface CallStats {
  packetsReceived: number;
  bytesReceived: number;
  packetsSent: number;
}

/** The connection state shown in `#call-state`. */
type ConnectionState = 'idle' | 'connecting' | 'inCall' | 'connected' | 'reconnecting' | 'failed';

/** `window.spreedCall`. */
interface CallPage {
  phase: 'idle' | 'joining' | 'inCall' | 'left' | 'failed';
  /** What `#call-state` shows (`data-state`), with its text. */
  state: ConnectionState;
  stateText: string;
  error: string | undefined;
  /** Whether our microphone track is disabled. */
  muted: boolean;
  /** `enabled` of the microphone track we send (undefined when not in the call). */
  microphoneEnabled(): boolean | undefined;
  statuses: string[];
  sessionId: string | undefined;
  peers: Record<string, PeerState>;
  /** Received cameras by session id (with `video=1`). */
  video: Record<string, VideoState>;
  join(): Promise<void>;
  leave(): Promise<void>;
  stats(): Promise<CallStats>;
  dominantFrequency(
    sessionId: string,
    candidates: number[],
  ): { frequency: number; ratio: number } | undefined;
}

declare global {
  interface Window {
    spreedCall: CallPage;
  }
}

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) {
    throw new Error(`the page lacks #${id}`);
  }
  return element as T;
};

const params = new URLSearchParams(location.search);
const roomUrl = `${location.origin}${location.pathname}`;
const nameInput = $<HTMLInputElement>('call-name');
const joinButton = $<HTMLButtonElement>('call-join');
const leaveButton = $<HTMLButtonElement>('call-leave');
const muteButton = $<HTMLButtonElement>('call-mute');
const stateView = $<HTMLSpanElement>('call-state');
const logView = $<HTMLPreElement>('call-log');
const peerList = $<HTMLUListElement>('call-participants');
const chatList = $<HTMLOListElement>('chat-messages');
const chatForm = $<HTMLFormElement>('chat-form');
const chatInput = $<HTMLInputElement>('chat-input');
const chatSend = $<HTMLButtonElement>('chat-send');
nameInput.value = params.get('name') ?? nameInput.value;

let client: TalkClient | undefined;
let stack: BrowserMediaStack | undefined;
let microphone: MediaStream | undefined;
/** Remote sessions connected peer-to-peer or through the SFU, and the ones that failed. */
const connected = new Set<string>();
const failed = new Map<string, string>();
const shownMessages = new Set<number>();

function setState(state: ConnectionState, text: string): void {
  page.state = state;
  page.stateText = text;
  stateView.dataset.state = state;
  stateView.textContent = text;
}

/** The header state after a status (the log gets every status). */
function trackState(status: TalkStatus): void {
  switch (status.type) {
    case 'inCall':
      setState('inCall', 'In the call: waiting for others');
      return;
    case 'peerConnected':
      connected.add(status.participant.sessionId);
      failed.delete(status.participant.sessionId);
      setState(
        'connected',
        status.role === 'publisher'
          ? 'Connected: publishing to the SFU'
          : `Connected to ${participantName(status.participant)}`,
      );
      return;
    case 'peerRetrying':
      setState(
        'reconnecting',
        `Reconnecting to ${participantName(status.participant)} (attempt ${status.attempt})`,
      );
      return;
    case 'peerFailed':
      failed.set(status.participant.sessionId, status.reason);
      setState(
        'failed',
        `No connection to ${participantName(status.participant)}: ${status.reason}`,
      );
      return;
    case 'disconnected':
    case 'reconnecting':
      setState('reconnecting', 'Reconnecting to the signaling server…');
      return;
    case 'reconnected':
      setState(connected.size > 0 ? 'connected' : 'inCall', 'In the call (reconnected)');
      return;
    case 'closed':
      if (status.error !== undefined) {
        setState('failed', `Failed: ${describeError(status.error)}`);
      }
      return;
    default:
      return;
  }
}

function showMessage(message: ChatMessage): void {
  if (shownMessages.has(message.id)) {
    return;
  }
  shownMessages.add(message.id);
  const item = document.createElement('li');
  const time = document.createElement('span');
  time.className = 'time';
  time.textContent = new Date(message.timestamp * 1000).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
  });
  item.append(time);
  if (message.messageType === 'system') {
    item.className = 'system';
  } else {
    const author = document.createElement('span');
    author.className = 'author';
    author.textContent = message.actorDisplayName || 'Guest';
    item.append(author);
  }
  item.append(renderChatMessage(message));
  chatList.append(item);
  chatList.scrollTop = chatList.scrollHeight;
}

async function sendChat(): Promise<void> {
  const text = chatInput.value.trim();
  if (client === undefined || text === '') {
    return;
  }
  chatInput.value = '';
  try {
    showMessage(await client.chat.send(text));
  } catch (error) {
    log(`chat: ${describeError(error)}`);
  }
}

function setChatEnabled(enabled: boolean): void {
  chatInput.disabled = !enabled;
  chatSend.disabled = !enabled;
}

function toggleMute(): void {
  const track = microphone?.getAudioTracks()[0];
  if (track === undefined) {
    return;
  }
  track.enabled = !track.enabled;
  page.muted = !track.enabled;
  muteButton.setAttribute('aria-pressed', String(page.muted));
  muteButton.textContent = page.muted ? 'Unmute' : 'Mute';
}

function log(line: string): void {
  page.statuses.push(line);
  logView.textContent += `${new Date().toLocaleTimeString()} ${line}\n`;
}

function describeStatus(status: TalkStatus): string {
  switch (status.type) {
    case 'connected':
      return `connected (hello ${status.hello}, session ${status.sessionId.slice(0, 8)})`;
    case 'inRoom':
      return `in the conversation ${status.room}`;
    case 'inCall':
      return `in the call (${status.mode === 'sfu' ? 'through the SFU' : 'peer-to-peer'})`;
    case 'peerConnected':
      return status.role === 'publisher'
        ? 'publishing to the SFU'
        : `connected to ${participantName(status.participant)}`;
    case 'peerRetrying':
      return `no connection with ${participantName(status.participant)} yet (${status.reason}): trying again (attempt ${status.attempt})`;
    case 'peerFailed':
      return `failed to connect to ${participantName(status.participant)}: ${status.reason}`;
    case 'receiving':
      return `receiving audio from ${participantName(status.participant)}`;
    case 'receivingVideo':
      return status.roomType === 'screen'
        ? `receiving ${participantName(status.participant)}'s screen`
        : `receiving video from ${participantName(status.participant)}`;
    case 'participantMedia':
      return `${participantName(status.participant)} is in the call${status.audio ? ' with audio' : ''}${status.video ? (status.audio ? ' and video' : ' with video') : ''}`;
    case 'participantJoined':
      return `${participantName(status.participant)} joined`;
    case 'participantLeft':
      return `${participantName(status.participant)} left`;
    case 'disconnected':
      return `disconnected: ${status.reason}`;
    case 'reconnecting':
      return `reconnecting in ${status.delayMs} ms (attempt ${status.attempt})`;
    case 'reconnected':
      return status.resumed ? 'reconnected (session resumed)' : 'reconnected (new session)';
    case 'callLeft':
      return `left the call: ${status.reason}`;
    case 'warning':
      return `warning: ${status.message}`;
    case 'closed':
      return status.error === undefined ? 'closed' : `closed: ${describeError(status.error)}`;
  }
}

function onAudio(participant: Participant, samples: Int16Array): void {
  const id = participant.sessionId;
  let peer = page.peers[id];
  if (peer === undefined) {
    peer = { name: participantName(participant), frames: 0, level: 0, recent: [] };
    page.peers[id] = peer;
  }
  peer.name = participantName(participant);
  peer.frames++;
  peer.level = rms(samples);
  peer.recent.push(samples);
  if (peer.recent.length > 100) {
    peer.recent.shift();
  }
}

function participantItem(name: string, detail: string, classes: string[]): HTMLLIElement {
  const item = document.createElement('li');
  item.className = classes.join(' ');
  const avatar = document.createElement('span');
  avatar.className = 'avatar';
  avatar.textContent = (name.trim()[0] ?? '?').toUpperCase();
  const who = document.createElement('span');
  who.className = 'who';
  const nameLine = document.createElement('div');
  nameLine.className = 'name';
  nameLine.textContent = name;
  const detailLine = document.createElement('div');
  detailLine.className = 'detail';
  detailLine.textContent = detail;
  who.append(nameLine, detailLine);
  item.append(avatar, who);
  return item;
}

/** The participant list: us first, then everyone the signaling server lists in the conversation. */
function renderPeers(): void {
  if (client === undefined) {
    return;
  }
  const self = participantItem(
    `${nameInput.value.trim() || 'Browser guest'} (you)`,
    page.phase === 'inCall' ? 'in the call' : 'joining',
    page.muted ? ['self', 'muted'] : ['self'],
  );
  const others = client.participants.map((p) => {
    const id = p.sessionId;
    const peer = page.peers[id];
    const speaking = peer !== undefined && peer.level > 0.02 && peer.recent.length > 0;
    const reason = failed.get(id);
    const detail =
      reason !== undefined
        ? `no connection: ${reason}`
        : (p.inCall & 1) === 0
          ? 'in the conversation, not in the call'
          : speaking
            ? 'speaking'
            : connected.has(id)
              ? 'connected'
              : 'in the call, connecting…';
    const classes = [speaking ? 'speaking' : '', reason === undefined ? '' : 'failed'];
    const item = participantItem(
      participantName(p),
      detail,
      classes.filter((c) => c !== ''),
    );
    item.dataset.sessionId = id;
    return item;
  });
  peerList.replaceChildren(self, ...others);
}

function goertzel(samples: Int16Array, frequency: number, sampleRate: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x / 32768 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / samples.length;
}

async function join(): Promise<void> {
  if (page.phase === 'joining' || page.phase === 'inCall') {
    return;
  }
  page.phase = 'joining';
  page.error = undefined;
  joinButton.disabled = true;
  connected.clear();
  failed.clear();
  setState('connecting', 'Connecting…');
  try {
    // Made inside the click, so the browser lets the audio context run.
    stack = await browserMediaStack();
    const raw = params.get('raw') === '1';
    const withVideo = params.get('video') === '1';
    microphone = await navigator.mediaDevices.getUserMedia({
      audio: raw
        ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
        : true,
      video: withVideo,
    });
    const camera = microphone.getVideoTracks()[0];
    const track = microphone.getAudioTracks()[0];
    if (track === undefined) {
      throw new Error('the microphone has no audio track');
    }
    log(`microphone: ${track.label || 'default'}`);
    const media = stack;
    client = await TalkClient.join(roomUrl, {
      name: nameInput.value.trim() || 'Browser guest',
      media,
      onStatus: (status) => {
        log(describeStatus(status));
        trackState(status);
      },
    });
    client.on('audioFrame', onAudio);
    client.on('chatMessage', showMessage);
    page.sessionId = client.sessionId;
    setChatEnabled(true);
    void client.chat
      .history({ limit: 50 })
      .then((messages) => {
        for (const message of [...messages].sort((a, b) => a.id - b.id)) {
          showMessage(message);
        }
      })
      .catch((error: unknown) => log(`chat history: ${describeError(error)}`));
    client.on('videoFrame', onVideo);
    await client.joinCall({
      audio: { track },
      ...(camera === undefined ? {} : { video: { track: camera }, receiveVideo: true }),
    });
    page.phase = 'inCall';
    leaveButton.disabled = false;
    muteButton.disabled = false;
    void client.closed.then((error) => {
      if (page.phase === 'inCall') {
        page.phase = error === undefined ? 'left' : 'failed';
        page.error = error === undefined ? undefined : describeError(error);
        cleanUp();
      }
    });
  } catch (error) {
    page.phase = 'failed';
    page.error = describeError(error);
    setState('failed', `Failed: ${page.error}`);
    log(`failed: ${page.error}`);
    await client?.leave();
    cleanUp();
  }
}

function onVideo(participant: Participant, frame: VideoFrame, roomType: string): void {
  if (roomType !== 'video') {
    return;
  }
  const state = page.video[participant.sessionId] ?? {
    frames: 0,
    marked: 0,
    ids: [],
    width: 0,
    height: 0,
  };
  page.video[participant.sessionId] = state;
  state.frames++;
  state.width = frame.width;
  state.height = frame.height;
  const marker = decodeTestPattern(frame);
  if (marker !== undefined) {
    state.marked++;
    if (!state.ids.includes(marker.id)) {
      state.ids.push(marker.id);
    }
  }
}

function cleanUp(): void {
  for (const track of microphone?.getTracks() ?? []) {
    track.stop();
  }
  microphone = undefined;
  client = undefined;
  joinButton.disabled = false;
  leaveButton.disabled = true;
  muteButton.disabled = true;
  page.muted = false;
  muteButton.setAttribute('aria-pressed', 'false');
  muteButton.textContent = 'Mute';
  setChatEnabled(false);
}

async function leave(): Promise<void> {
  const current = client;
  page.phase = 'left';
  leaveButton.disabled = true;
  await current?.leave();
  cleanUp();
  setState('idle', 'Left the call');
}

async function stats(): Promise<CallStats> {
  const total: CallStats = { packetsReceived: 0, bytesReceived: 0, packetsSent: 0 };
  for (const pc of stack?.peerConnections() ?? []) {
    const report = await (pc as unknown as RTCPeerConnection).getStats();
    report.forEach((entry: { type: string; kind?: string } & Record<string, unknown>) => {
      if (entry.kind !== 'audio') {
        return;
      }
      if (entry.type === 'inbound-rtp') {
        total.packetsReceived += Number(entry.packetsReceived ?? 0);
        total.bytesReceived += Number(entry.bytesReceived ?? 0);
      } else if (entry.type === 'outbound-rtp') {
        total.packetsSent += Number(entry.packetsSent ?? 0);
      }
    });
  }
  return total;
}

const page: CallPage = {
  phase: 'idle',
  state: 'idle',
  stateText: 'Not in the call',
  error: undefined,
  muted: false,
  microphoneEnabled: () => microphone?.getAudioTracks()[0]?.enabled,
  statuses: [],
  sessionId: undefined,
  peers: {},
  video: {},
  join,
  leave,
  stats,
  dominantFrequency(sessionId, candidates) {
    const recent = page.peers[sessionId]?.recent ?? [];
    if (recent.length === 0) {
      return undefined;
    }
    const all = new Int16Array(recent.reduce((n, f) => n + f.length, 0));
    let offset = 0;
    for (const frame of recent) {
      all.set(frame, offset);
      offset += frame.length;
    }
    const powers = candidates
      .map((frequency) => ({ frequency, power: goertzel(all, frequency, 48_000) }))
      .sort((a, b) => b.power - a.power);
    const best = powers[0];
    if (best === undefined) {
      return undefined;
    }
    const second = powers[1]?.power ?? 0;
    return {
      frequency: best.frequency,
      ratio: second === 0 ? Number.POSITIVE_INFINITY : best.power / second,
    };
  },
};
window.spreedCall = page;

joinButton.addEventListener('click', () => void join());
leaveButton.addEventListener('click', () => void leave());
muteButton.addEventListener('click', toggleMute);
chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void sendChat();
});
window.addEventListener('pagehide', () => void client?.leave());
setInterval(renderPeers, 200);
joinButton.disabled = false;
log('ready: press "Join call" (the browser asks for the microphone)');
