import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserDirectory } from '../model/user-directory.js';
import { TicketIssuer } from './tickets.js';

test('tickets - user ticket has Talk format and validates only for that user', () => {
  const users = new UserDirectory();
  users.add('alice');
  users.add('bob');
  const tickets = new TicketIssuer(users);
  const ticket = tickets.ticketFor('alice', 1_700_000_000);
  const [random, timestamp, userId, hmac] = ticket.split(':');
  assert.equal(random?.length, 16);
  assert.equal(timestamp, '1700000000');
  assert.equal(userId, 'alice');
  assert.match(hmac ?? '', /^[0-9a-f]{64}$/);
  assert.equal(tickets.validate('alice', ticket), true);
  assert.equal(tickets.validate('bob', ticket), false);
  assert.equal(tickets.validate(null, ticket), false);
});

test('tickets - guest tickets have an empty user id and use the instance secret', () => {
  const tickets = new TicketIssuer(new UserDirectory());
  const ticket = tickets.ticketFor(null);
  assert.equal(ticket.split(':')[2], '');
  assert.equal(tickets.validate(null, ticket), true);
  assert.equal(tickets.validate('', ticket), true);
});

test('tickets - tampered, malformed and unknown-user tickets are rejected', () => {
  const users = new UserDirectory();
  users.add('alice');
  const tickets = new TicketIssuer(users);
  const ticket = tickets.ticketFor('alice');
  const flipped = ticket.endsWith('0') ? '1' : '0';
  assert.equal(tickets.validate('alice', `${ticket.slice(0, -1)}${flipped}`), false);
  assert.equal(tickets.validate('alice', 'no-colons'), false);
  assert.equal(tickets.validate('mallory', ticket), false);
});
