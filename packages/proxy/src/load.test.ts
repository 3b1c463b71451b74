import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeLoad, loadEvent } from './load.js';

test('load - kbit/s of all clients, capped at their number', () => {
  assert.deepEqual(computeLoad([]), { load: 0, incoming: 0, outgoing: 0 });
  const one = computeLoad([{ kind: 'publisher', bitrate: 123_456 }]);
  assert.deepEqual(one, { load: 1, incoming: 123_456, outgoing: 0 });
  const low = computeLoad([
    { kind: 'publisher', bitrate: 500 },
    { kind: 'subscriber', bitrate: 500 },
  ]);
  assert.equal(low.load, 0);
  const call = computeLoad([
    { kind: 'publisher', bitrate: 1_048_576 },
    { kind: 'subscriber', bitrate: 1_048_576 },
    { kind: 'subscriber', bitrate: 1_048_576 },
  ]);
  assert.deepEqual(call, { load: 3, incoming: 1_048_576, outgoing: 2_097_152 });
});

test('load - the update-load event omits zeros and adds bandwidth like upstream', () => {
  assert.deepEqual(loadEvent({ load: 0, incoming: 0, outgoing: 0 }, 0, 0), {
    type: 'update-load',
  });
  assert.deepEqual(loadEvent({ load: 2, incoming: 1000, outgoing: 3000 }, 0, 0), {
    type: 'update-load',
    load: 2,
    bandwidth: { received: 1000, sent: 3000 },
  });
  assert.deepEqual(loadEvent({ load: 0, incoming: 0, outgoing: 0 }, 1_048_576, 0), {
    type: 'update-load',
    bandwidth: { incoming: 0 },
  });
  assert.deepEqual(loadEvent({ load: 1, incoming: 524_288, outgoing: 0 }, 1_048_576, 2_097_152), {
    type: 'update-load',
    load: 1,
    bandwidth: { incoming: 50, outgoing: 0, received: 524_288 },
  });
});
