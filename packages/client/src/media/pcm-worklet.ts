/** Name of the worklet processor that plays PCM pushed from the main thread. */
export const PCM_SOURCE_PROCESSOR = 'spreed-pcm-source';
/** Name of the worklet processor that posts 10 ms of its (mono-mixed) input at a time. */
export const PCM_SINK_PROCESSOR = 'spreed-pcm-sink';

/**
 * The AudioWorklet module of the browser stack, loaded from a Blob URL (so no file has to be
 * served next to the bundle). It runs in the audio thread and only knows `sampleRate`,
 * `AudioWorkletProcessor` and `registerProcessor`.
 *
 * Source: queues the Float32Array chunks posted to its port and plays them; it waits for 30 ms
 * of audio before starting (and after running dry) so that main-thread timer jitter does not
 * cause clicks, and drops the oldest audio beyond 200 ms so latency stays bounded.
 * Sink: mixes its input to mono and posts one Float32Array per 10 ms (transferred). It posts
 * nothing while its input has no channels (no audio flowing), and stops on a `'stop'` message.
 */
export const PCM_WORKLET_SOURCE = `
const PREBUFFER = Math.round(sampleRate * 0.03);
const MAX_QUEUED = Math.round(sampleRate * 0.2);
const CHUNK = Math.round(sampleRate / 100);

class PcmSource extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = [];
    this.offset = 0;
    this.queued = 0;
    this.buffering = true;
    this.active = true;
    this.port.onmessage = (event) => {
      if (event.data === 'stop') {
        this.active = false;
        return;
      }
      this.queue.push(event.data);
      this.queued += event.data.length;
      while (this.queued > MAX_QUEUED && this.queue.length > 1) {
        this.queued -= this.queue[0].length - this.offset;
        this.queue.shift();
        this.offset = 0;
      }
    };
  }

  process(_inputs, outputs) {
    const out = outputs[0][0];
    if (this.buffering) {
      if (this.queued < PREBUFFER) {
        return this.active;
      }
      this.buffering = false;
    }
    let i = 0;
    while (i < out.length) {
      const chunk = this.queue[0];
      if (chunk === undefined) {
        this.buffering = true;
        break;
      }
      const n = Math.min(out.length - i, chunk.length - this.offset);
      out.set(chunk.subarray(this.offset, this.offset + n), i);
      i += n;
      this.offset += n;
      this.queued -= n;
      if (this.offset >= chunk.length) {
        this.queue.shift();
        this.offset = 0;
      }
    }
    return this.active;
  }
}

class PcmSink extends AudioWorkletProcessor {
  constructor() {
    super();
    this.buffer = new Float32Array(CHUNK);
    this.fill = 0;
    this.active = true;
    this.port.onmessage = (event) => {
      if (event.data === 'stop') {
        this.active = false;
      }
    };
  }

  process(inputs) {
    const channels = inputs[0];
    if (channels === undefined || channels.length === 0) {
      return this.active;
    }
    const length = channels[0].length;
    const count = channels.length;
    for (let i = 0; i < length; i++) {
      let sum = 0;
      for (let c = 0; c < count; c++) {
        sum += channels[c][i];
      }
      this.buffer[this.fill++] = sum / count;
      if (this.fill === CHUNK) {
        this.port.postMessage(this.buffer, [this.buffer.buffer]);
        this.buffer = new Float32Array(CHUNK);
        this.fill = 0;
      }
    }
    return this.active;
  }
}

registerProcessor('${PCM_SOURCE_PROCESSOR}', PcmSource);
registerProcessor('${PCM_SINK_PROCESSOR}', PcmSink);
`;
