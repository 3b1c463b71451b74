import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoomSessionMap } from './room-session-map.js';

test('room session map - latest registration wins, deleting an old holder keeps the new one', () => {
  const map = new RoomSessionMap();
  map.set('a', 'talk-1');
  assert.equal(map.lookup('talk-1'), 'a');
  map.set('b', 'talk-1');
  assert.equal(map.lookup('talk-1'), 'b');
  map.delete('a');
  assert.equal(map.lookup('talk-1'), 'b');
  map.set('b', 'talk-2');
  assert.equal(map.lookup('talk-1'), undefined);
  assert.equal(map.lookup('talk-2'), 'b');
  map.set('b', '');
  assert.equal(map.lookup('talk-2'), undefined);
  assert.equal(map.size, 0);
});
