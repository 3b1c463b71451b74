import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ledger } from './ledger.js';

test('ledger - deliveries, losses, duplicates, misdeliveries and unknown ids', () => {
  const ledger = new Ledger();
  ledger.sent('a:1', [1, 2], 0);
  ledger.sent('a:2', [2], 10);
  ledger.received(1, 'a:1');
  ledger.received(2, 'a:1');
  ledger.received(2, 'a:1');
  ledger.received(3, 'a:2');
  ledger.received(2, 'z:9');
  assert.deepEqual(ledger.totals(), {
    sent: 2,
    expected: 3,
    delivered: 2,
    lost: 1,
    inFlightAtDrop: 0,
    duplicated: 1,
    misdelivered: 1,
    unknown: 1,
  });
});

test('ledger - a drop excuses what was open and what is sent until the server can notice', () => {
  const ledger = new Ledger(100);
  ledger.sent('m:1', [1], 0);
  ledger.sent('m:2', [1], 5);
  ledger.received(1, 'm:1');
  ledger.dropped(1, 50);
  ledger.sent('m:3', [1], 120); // the server may not know yet
  ledger.sent('m:4', [1], 200); // it must know by now: queued for the resume
  let totals = ledger.totals();
  assert.equal(totals.inFlightAtDrop, 2);
  assert.equal(totals.lost, 1);
  // An excused message that arrives after all is a delivery.
  ledger.received(1, 'm:3');
  ledger.received(1, 'm:4');
  totals = ledger.totals();
  assert.equal(totals.inFlightAtDrop, 1);
  assert.equal(totals.lost, 0);
  assert.equal(totals.delivered, 3);
  // ... and a second copy of it is still a duplicate.
  ledger.received(1, 'm:3');
  assert.equal(ledger.totals().duplicated, 1);
});

test('ledger - retired receivers owe nothing; prune keeps open and recent entries', () => {
  const ledger = new Ledger();
  ledger.sent('x:1', [1, 2], 0);
  ledger.received(1, 'x:1');
  ledger.retired(2);
  assert.equal(ledger.totals().lost, 0);
  assert.equal(ledger.totals().expected, 1);
  ledger.sent('x:2', [1], 10);
  ledger.sent('x:3', [1], 5_000);
  assert.equal(ledger.overdue(6_000, 1_000), 1);
  ledger.prune(6_000, 1_000);
  // x:1 is settled and old: forgotten, so a late copy is unknown; x:2 is still open.
  ledger.received(1, 'x:1');
  assert.equal(ledger.totals().unknown, 1);
  assert.equal(ledger.totals().lost, 2);
});
