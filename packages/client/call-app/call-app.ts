// The development call page (`GET /call/{token}` of the devbackend loads it): joins the
// conversation as a guest with the SDK's browser entry, joins the call with the microphone and
// plays every participant's audio. Bundled by scripts/bundle-browser.mjs.
//
// `window.spreedCall` exposes the page's state for tests and curious developers: the statuses,
// per-participant received frames and level, the WebRTC packet counters (`stats()`), the dominant
// frequency of the last second heard from a participant, and `leave()`.
//
// Query parameters: `name` (display name), `raw=1` (microphone without echo cancellation, noise
// suppression and gain control: for tones and music).
import {
  type BrowserMediaStack,
  browserMediaStack,
  describeError,
  type Participant,
  participantName,
  rms,
  TalkClient,
  type TalkStatus,
} from '@spreed-ts/client/browser';

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

/** `window.spreedCall`. */
interface CallPage {
  phase: 'idle' | 'joining' | 'inCall' | 'left' | 'failed';
  error: string | undefined;
  statuses: string[];
  sessionId: string | undefined;
  peers: Record<string, PeerState>;
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
const logView = $<HTMLPreElement>('call-log');
const peerList = $<HTMLUListElement>('call-peers');
nameInput.value = params.get('name') ?? nameInput.value;

let client: TalkClient | undefined;
let stack: BrowserMediaStack | undefined;
let microphone: MediaStream | undefined;

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
    case 'receiving':
      return `receiving audio from ${participantName(status.participant)}`;
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

function renderPeers(): void {
  const items = Object.entries(page.peers).map(([id, peer]) => {
    const item = document.createElement('li');
    const meter = document.createElement('meter');
    meter.min = 0;
    meter.max = 0.5;
    meter.value = peer.level;
    item.append(meter, ` ${peer.name} (${id.slice(0, 8)}), ${(peer.frames / 100).toFixed(1)} s`);
    return item;
  });
  peerList.replaceChildren(...items);
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
  try {
    // Made inside the click, so the browser lets the audio context run.
    stack = await browserMediaStack();
    const raw = params.get('raw') === '1';
    microphone = await navigator.mediaDevices.getUserMedia({
      audio: raw
        ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
        : true,
    });
    const track = microphone.getAudioTracks()[0];
    if (track === undefined) {
      throw new Error('the microphone has no audio track');
    }
    log(`microphone: ${track.label || 'default'}`);
    const media = stack;
    client = await TalkClient.join(roomUrl, {
      name: nameInput.value.trim() || 'Browser guest',
      media,
      onStatus: (status) => log(describeStatus(status)),
    });
    client.on('audioFrame', onAudio);
    page.sessionId = client.sessionId;
    await client.joinCall({ audio: { track } });
    page.phase = 'inCall';
    leaveButton.disabled = false;
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
    log(`failed: ${page.error}`);
    await client?.leave();
    cleanUp();
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
}

async function leave(): Promise<void> {
  const current = client;
  page.phase = 'left';
  leaveButton.disabled = true;
  await current?.leave();
  cleanUp();
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
  error: undefined,
  statuses: [],
  sessionId: undefined,
  peers: {},
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
window.addEventListener('pagehide', () => void client?.leave());
setInterval(renderPeers, 200);
joinButton.disabled = false;
log('ready: press "Join call" (the browser asks for the microphone)');
