import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCallSignal, receiveCallSignal, signalNick } from './call-signals.js';

test('parseCallSignal - offers with and without sid, candidates, nicks', () => {
  assert.deepEqual(
    parseCallSignal({
      type: 'offer',
      roomType: 'video',
      sid: '123',
      payload: { type: 'offer', sdp: 'v=0', nick: 'Bob' },
    }),
    { type: 'offer', roomType: 'video', sdp: 'v=0', sid: '123', nick: 'Bob' },
  );
  // Older SFUs send offers without sid.
  assert.deepEqual(parseCallSignal({ type: 'offer', roomType: 'video', payload: { sdp: 'v=0' } }), {
    type: 'offer',
    roomType: 'video',
    sdp: 'v=0',
  });
  assert.deepEqual(
    parseCallSignal({
      type: 'candidate',
      sid: 7,
      payload: { candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } },
    }),
    {
      type: 'candidate',
      roomType: 'video',
      sid: 7,
      candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 },
    },
  );
  assert.deepEqual(parseCallSignal({ type: 'nickChanged', payload: { name: 'B' } }), {
    type: 'nickChanged',
    name: 'B',
  });
  assert.deepEqual(parseCallSignal({ type: 'nickChanged', payload: 'C' }), {
    type: 'nickChanged',
    name: 'C',
  });
  assert.equal(parseCallSignal({ type: 'offer', payload: {} })?.type, 'other');
  assert.equal(parseCallSignal('x'), undefined);
});

test('signalNick - the sender name of nickChanged, offers and answers', () => {
  const nick = (data: unknown) => {
    const signal = parseCallSignal(data);
    assert.ok(signal !== undefined);
    return signalNick(signal);
  };
  assert.equal(nick({ type: 'nickChanged', payload: { name: 'Alice' } }), 'Alice');
  assert.equal(nick({ type: 'offer', payload: { type: 'offer', sdp: 'v=0', nick: 'Bob' } }), 'Bob');
  assert.equal(nick({ type: 'answer', payload: { type: 'answer', sdp: 'v=0' } }), undefined);
  assert.equal(nick({ type: 'answer', payload: { sdp: 'v=0', nick: '' } }), undefined);
  assert.equal(nick({ type: 'mute', payload: { name: 'video' } }), undefined);
});

test('receiveCallSignal - notes the nick a signal carries, passes the signal on, ignores non-signals', () => {
  const nicks: Array<[string, string]> = [];
  const roster = { setNick: (id: string, nick: string) => nicks.push([id, nick]) };
  const offer = receiveCallSignal(roster, 's1', {
    type: 'offer',
    roomType: 'video',
    payload: { type: 'offer', sdp: 'v=0', nick: 'Alice' },
  });
  assert.equal(offer?.type, 'offer');
  assert.equal(
    receiveCallSignal(roster, 's2', { type: 'nickChanged', payload: 'Bob' })?.type,
    'nickChanged',
  );
  assert.equal(
    receiveCallSignal(roster, 's3', { type: 'mute', payload: { what: 'audio' } })?.type,
    'mute',
  );
  assert.equal(receiveCallSignal(roster, 's4', 'not a signal'), undefined);
  assert.deepEqual(nicks, [
    ['s1', 'Alice'],
    ['s2', 'Bob'],
  ]);
});
