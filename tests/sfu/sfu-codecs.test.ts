import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { dominantFrequency } from './helpers/audio.js';
import { type JanusRoom, listJanusRooms } from './helpers/janus-rooms.js';
import { SFU_MODES, startSfuEnv } from './helpers/sfu-env.js';

/** The payload types of the first `m=audio` line of `sdp`. */
function audioPayloadTypes(sdp: string): string[] {
  const line = sdp.split(/\r?\n/).find((l) => l.startsWith('m=audio '));
  assert.ok(line !== undefined, 'an audio m-line');
  return line.split(' ').slice(3);
}

function roomOf(rooms: JanusRoom[], streamType: string): JanusRoom {
  const matching = rooms.filter((r) => r.description.endsWith(`|${streamType}`));
  assert.equal(matching.length, 1, `one ${streamType} room: ${JSON.stringify(rooms)}`);
  return matching[0] as JanusRoom;
}

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  for (const mode of SFU_MODES) {
    test(`sfu codecs (${mode}) - the offer's codec and bitrate reach Janus, capped by [mcu]`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      env.dev.createRoom({ token: 'codecs', owner: 'alice' });
      const alice = await env.peer('codecs', 'alice');
      const bob = await env.peer('codecs', 'bob');
      // More than [mcu] maxstreambitrate (1 MiB/s) asked for the camera, PCMU as the audio
      // codec; a modest bitrate for the screen.
      const camera = await alice.publish({
        frequency: 440,
        extra: { bitrate: 5_000_000, audiocodec: 'pcmu' },
      });
      await alice.publish({ roomType: 'screen', frequency: 880, extra: { bitrate: 300_000 } });
      const rooms = await listJanusRooms(env.janus.url);
      const video = roomOf(rooms, 'video');
      const screen = roomOf(rooms, 'screen');
      assert.equal(video.bitrate, 1_048_576);
      assert.equal(video.audiocodec, 'pcmu');
      assert.equal(screen.bitrate, 300_000);
      assert.equal(screen.audiocodec, 'opus');
      // Janus answered the camera offer with PCMU only (static payload type 0) ...
      assert.deepEqual(audioPayloadTypes(camera.remoteDescription?.sdp ?? ''), ['0']);
      // ... and the tone comes through it to a subscriber.
      const { pc, recorder } = await bob.subscribe(alice.sessionId);
      assert.deepEqual(audioPayloadTypes(pc.remoteDescription?.sdp ?? ''), ['0']);
      const audio = await recorder;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal(dominantFrequency(audio.lastSeconds(1), audio.sampleRate), 440);
    });
  }
}
