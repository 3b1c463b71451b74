import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';

/** A VideoRoom room as Janus lists it (the fields the SFU tests look at). */
export interface JanusRoom {
  room: number;
  description: string;
  bitrate: number;
  audiocodec: string;
  videocodec: string;
  num_participants: number;
}

/**
 * The VideoRoom rooms of the Janus at `url`, asked over a session of its own (`list`): what the
 * server (directly or through a proxy) really configured, whichever way it got there.
 */
export async function listJanusRooms(url: string, timeoutMs = 5_000): Promise<JanusRoom[]> {
  const ws = new WebSocket(url, 'janus-protocol');
  const replies = new Map<string, (reply: Record<string, unknown>) => void>();
  ws.on('message', (data) => {
    const reply = JSON.parse(String(data)) as Record<string, unknown>;
    const transaction = reply.transaction;
    if (typeof transaction === 'string' && reply.janus !== 'ack') {
      replies.get(transaction)?.(reply);
    }
  });
  const request = (body: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const transaction = randomUUID();
      const timer = setTimeout(
        () => reject(new Error(`janus: no reply to ${body.janus}`)),
        timeoutMs,
      );
      replies.set(transaction, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      ws.send(JSON.stringify({ ...body, transaction }));
    });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const session = ((await request({ janus: 'create' })).data as { id: number }).id;
    const handle = (
      (await request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.videoroom' }))
        .data as { id: number }
    ).id;
    const listed = await request({
      janus: 'message',
      session_id: session,
      handle_id: handle,
      body: { request: 'list' },
    });
    await request({ janus: 'destroy', session_id: session });
    const data = (listed.plugindata as { data?: { list?: JanusRoom[] } } | undefined)?.data;
    if (data?.list === undefined) {
      throw new Error(`janus: unexpected list reply ${JSON.stringify(listed)}`);
    }
    return data.list;
  } finally {
    ws.close();
  }
}
