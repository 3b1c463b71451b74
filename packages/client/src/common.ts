// The part of @spreed-ts/client's public API that is the same in Node and in browsers; `index.ts`
// (Node) and `browser.ts` (browsers) re-export it next to their platform's own names. Nothing
// here may reach a Node built-in (architecture.test.ts checks the browser graph).
export type { CallControllerEvents } from './call-controller.js';
export { CallController } from './call-controller.js';
export { renderChatMessage, renderRichObject, renderRichText } from './chat-render.js';
export type { PollOptions, PollResult, SendMessageOptions } from './http/chat-api.js';
export { ChatApi, MAX_POLL_SECONDS } from './http/chat-api.js';
export { CookieJar } from './http/cookie-jar.js';
export type {
  FetchFunction,
  OcsClientOptions,
  OcsRequest,
  OcsResponse,
  UserCredentials,
} from './http/ocs-client.js';
export { OcsClient } from './http/ocs-client.js';
export type { RoomUrl } from './http/room-url.js';
export { parseRoomUrl } from './http/room-url.js';
export type { JoinCallOptions } from './http/talk-api.js';
export { TalkApi } from './http/talk-api.js';
export type {
  ChatMessage,
  IceServer,
  RichObjectParameter,
  SignalingSettings,
  TalkCapabilities,
  TalkRoom,
} from './http/talk-types.js';
export {
  callsAreEndToEndEncrypted,
  parseMessageParameters,
  parseRichObjectParameter,
} from './http/talk-types.js';
export type { InternalClientEvents, InternalClientOptions } from './internal-client.js';
export { InternalClient, internalAuthParams } from './internal-client.js';
export type { JoinedConversation } from './join-conversation.js';
export { joinConversation } from './join-conversation.js';
export { AudioOutput } from './media/audio-output.js';
export type { PcmSource } from './media/audio-sources.js';
export { BufferSource, PcmQueueSource, ToneSource } from './media/audio-sources.js';
export type { BrowserMediaStack, BrowserMediaStackOptions } from './media/browser-stack.js';
export { browserMediaStack } from './media/browser-stack.js';
export type { CallMediaEvents, CallMediaOptions, CallMode } from './media/call-media.js';
export { CallMedia } from './media/call-media.js';
export type { RecordedTrack, RecorderOptions } from './media/call-recorder.js';
export type { CallSignal, Sid } from './media/call-signals.js';
export { parseCallSignal } from './media/call-signals.js';
export type {
  AudioSinkAdapter,
  AudioSourceAdapter,
  IceCandidateInit,
  MediaStack,
  MediaTrackLike,
  PeerConnectionConfig,
  PeerConnectionLike,
  RawAudioFrame,
  SendEncoding,
  SessionDescription,
  TransceiverLike,
  VideoSinkAdapter,
  VideoSourceAdapter,
} from './media/media-stack.js';
export { FRAME_SAMPLES, FrameSplitter, rms, SAMPLE_RATE, toMono48k } from './media/pcm.js';
export type { PeerRole } from './media/peer.js';
export { SIMULCAST_ENCODINGS } from './media/peer.js';
export type { StreamSelection } from './media/sfu-calls.js';
export type { I420Frame, VideoFrame } from './media/video-frame.js';
export { checkI420Frame, i420Size, MAX_VIDEO_SIDE } from './media/video-frame.js';
export { VideoOutput } from './media/video-output.js';
export type {
  TestPatternMarker,
  TestPatternOptions,
  VideoSource,
} from './media/video-sources.js';
export {
  decodeTestPattern,
  drawTestPattern,
  FramesSource,
  MAX_QUEUED_FRAMES,
  TestPatternSource,
  VideoQueueSource,
} from './media/video-sources.js';
export type { WavData } from './media/wav.js';
export { decodeWav, encodeWav } from './media/wav.js';
export type { Y4mVideo } from './media/y4m.js';
export { decodeY4m, encodeY4m } from './media/y4m.js';
export type { Participant, RosterDiff } from './signaling/roster.js';
export { hasStreams, isInCall, participantName, Roster } from './signaling/roster.js';
export { SignalingConnection } from './signaling/signaling-connection.js';
export type {
  SessionInfo,
  SignalingConnectionOptions,
  SignalingEvents,
  SignalingStatus,
  SignalingTimeouts,
} from './signaling/signaling-types.js';
export type { WebSocketFactory, WebSocketLike } from './signaling/web-socket.js';
export { signalingWebSocketUrl } from './signaling/web-socket.js';
export { TalkChat } from './talk-chat.js';
export { TalkClient } from './talk-client.js';
export type {
  AudioInput,
  CallOptions,
  TalkClientEvents,
  TalkClientOptions,
  TalkClientTimeouts,
  TalkStatus,
  VideoInput,
} from './talk-client-types.js';
export type { ClientErrorReason } from './util/client-error.js';
export { ClientError, describeError, isClientError } from './util/client-error.js';
export type { ClientLogger } from './util/logger.js';
export { silentLogger } from './util/logger.js';
export type { BackoffOptions } from './util/timers.js';
