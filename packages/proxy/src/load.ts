/**
 * The load a proxy reports in `update-load` (upstream's GetClientsLoad): the bitrates of its
 * publishers (incoming) and subscribers (outgoing), summed in kbit/s and capped at the number of
 * clients; `bandwidth` once anything flows or a `[bandwidth]` limit is set.
 */
import type { ProxyEvent, ProxyEventBandwidth } from '@spreed-ts/protocol';

/** One publisher or subscriber as the load sees it. */
export interface LoadClient {
  kind: 'publisher' | 'subscriber';
  /** Bits per second it may carry. */
  bitrate: number;
}

/** The current load and bandwidth (bits per second). */
export interface Load {
  load: number;
  incoming: number;
  outgoing: number;
}

/** Computes the load of `clients`. */
export function computeLoad(clients: Iterable<LoadClient>): Load {
  let count = 0;
  let incoming = 0;
  let outgoing = 0;
  for (const client of clients) {
    count++;
    if (client.kind === 'publisher') {
      incoming += client.bitrate;
    } else {
      outgoing += client.bitrate;
    }
  }
  return { load: Math.min(count, Math.floor((incoming + outgoing) / 1024)), incoming, outgoing };
}

/** Whether two loads differ (an `update-load` is only sent on a change). */
export function loadChanged(a: Load, b: Load): boolean {
  return a.load !== b.load || a.incoming !== b.incoming || a.outgoing !== b.outgoing;
}

/**
 * The `update-load` event; `load` is left out when 0 (as upstream's JSON omits it).
 * `maxIncoming`/`maxOutgoing` are the `[bandwidth]` limits in bits per second (0: unlimited).
 */
export function loadEvent(current: Load, maxIncoming: number, maxOutgoing: number): ProxyEvent {
  const event: ProxyEvent = { type: 'update-load' };
  if (current.load !== 0) {
    event.load = current.load;
  }
  if (maxIncoming > 0 || maxOutgoing > 0 || current.incoming !== 0 || current.outgoing !== 0) {
    const bandwidth: ProxyEventBandwidth = {};
    if (maxIncoming > 0) {
      bandwidth.incoming = (current.incoming / maxIncoming) * 100;
    }
    if (maxOutgoing > 0) {
      bandwidth.outgoing = (current.outgoing / maxOutgoing) * 100;
    }
    if (current.incoming !== 0) {
      bandwidth.received = current.incoming;
    }
    if (current.outgoing !== 0) {
      bandwidth.sent = current.outgoing;
    }
    event.bandwidth = bandwidth;
  }
  return event;
}
