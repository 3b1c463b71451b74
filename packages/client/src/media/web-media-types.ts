// The parts of the browser's Web Audio and Media Capture APIs that `browser-stack.ts` uses. The
// client compiles without the DOM library (it runs in Node too), so they are declared here,
// structurally: a real browser object satisfies them.
import type { MediaTrackLike, PeerConnectionConfig, PeerConnectionLike } from './media-stack.js';

/** An `AudioNode`. */
export interface WebAudioNode {
  connect(destination: WebAudioNode): unknown;
  disconnect(): void;
}

/** A `GainNode`. */
export interface WebGainNode extends WebAudioNode {
  readonly gain: { value: number };
}

/** A `MessagePort` of an `AudioWorkletNode`. */
export interface WebMessagePort {
  postMessage(message: unknown, transfer?: unknown[]): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/** An `AudioWorkletNode`. */
export interface WebAudioWorkletNode extends WebAudioNode {
  readonly port: WebMessagePort;
}

/** A `MediaStream`. */
export interface WebMediaStream {
  getAudioTracks(): MediaTrackLike[];
}

/** A `MediaStreamAudioDestinationNode`. */
export interface WebStreamDestination extends WebAudioNode {
  readonly stream: WebMediaStream;
}

/** An `AudioContext`. */
export interface WebAudioContext {
  readonly sampleRate: number;
  readonly state: string;
  readonly destination: WebAudioNode;
  readonly audioWorklet: { addModule(url: string): Promise<void> };
  createGain(): WebGainNode;
  createMediaStreamSource(stream: WebMediaStream): WebAudioNode;
  createMediaStreamDestination(): WebStreamDestination;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** An `HTMLAudioElement`. */
export interface WebAudioElement {
  autoplay: boolean;
  muted: boolean;
  srcObject: unknown;
  play(): Promise<void>;
  pause(): void;
}

/** The browser globals the browser media stack needs. */
export interface WebMediaGlobals {
  RTCPeerConnection: new (config: PeerConnectionConfig) => PeerConnectionLike;
  AudioContext: new (options?: { sampleRate?: number }) => WebAudioContext;
  AudioWorkletNode: new (
    context: WebAudioContext,
    name: string,
    options?: { numberOfInputs?: number; numberOfOutputs?: number; outputChannelCount?: number[] },
  ) => WebAudioWorkletNode;
  MediaStream: new (tracks: MediaTrackLike[]) => WebMediaStream;
  document: { createElement(tag: 'audio'): WebAudioElement };
}
