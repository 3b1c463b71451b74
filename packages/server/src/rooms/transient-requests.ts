import { ErrorCodes, Permissions, type TransientRequest } from '@spreed-ts/protocol';
import { sendError } from './errors.js';
import type { Participant } from './participant.js';
import { SESSION_DATA_PREFIX } from './transient-data.js';

/**
 * A client `transient` request (upstream's processTransientMsg): set or remove a key of the room's
 * transient data. Internal clients may change anything; others need the `transient-data`
 * permission and may only touch their own `sd:` key. Success is not answered.
 */
export function handleTransient(
  p: Participant,
  id: string | undefined,
  request: TransientRequest,
): void {
  const room = p.room;
  if (room === undefined) {
    sendError(p, id, ErrorCodes.notInRoom, 'No room joined yet.');
    return;
  }
  if (!p.isInternal) {
    if (!p.hasPermission(Permissions.transientData)) {
      sendError(p, id, ErrorCodes.notAllowed, 'Not allowed to update transient data.');
      return;
    }
    if (
      request.key.startsWith(SESSION_DATA_PREFIX) &&
      request.key !== SESSION_DATA_PREFIX + p.publicId
    ) {
      sendError(p, id, ErrorCodes.notAllowed, 'Not allowed to update this transient data entry.');
      return;
    }
  }
  switch (request.type) {
    case 'set':
      room.setTransient(request.key, request.value, request.ttl ?? 0);
      return;
    case 'remove':
      room.removeTransient(request.key);
      return;
  }
}
