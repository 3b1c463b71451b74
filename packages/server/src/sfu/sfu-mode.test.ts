import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientSession } from '../hub/client-session.js';
import { SfuModeTracker } from './sfu-mode.js';

const fake = (name: string) => ({ publicId: name }) as unknown as ClientSession;

test('sfu mode - sessions keep the mode of the features their hello was given', () => {
  const live = new Set<ClientSession>();
  const tracker = new SfuModeTracker(() => live, false);
  const early = fake('early');
  live.add(early);
  tracker.up();
  assert.equal(tracker.usesSfu(early), false, 'said hello before the SFU was connected');
  const a = fake('a');
  live.add(a);
  assert.equal(tracker.usesSfu(a), true);
  tracker.down();
  const b = fake('b');
  live.add(b);
  assert.equal(tracker.usesSfu(a), true, 'still in SFU mode while the SFU is away');
  assert.equal(tracker.usesSfu(b), false);
  tracker.up();
  assert.equal(tracker.usesSfu(a), true);
  assert.equal(tracker.usesSfu(b), false, 'peer-to-peer even after the SFU is back');
  const c = fake('c');
  live.add(c);
  assert.equal(tracker.usesSfu(c), true);
});

test('sfu mode - a resumed session takes the mode of the features sent on resume', () => {
  const live = new Set<ClientSession>();
  const tracker = new SfuModeTracker(() => live, true);
  const a = fake('a');
  live.add(a);
  tracker.down();
  tracker.resumed(a);
  assert.equal(tracker.usesSfu(a), false);
  tracker.up();
  assert.equal(tracker.usesSfu(a), false);
  tracker.resumed(a);
  assert.equal(tracker.usesSfu(a), true);
  tracker.down();
  assert.equal(tracker.usesSfu(a), true);
});
