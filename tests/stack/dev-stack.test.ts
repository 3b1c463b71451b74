import assert from 'node:assert/strict';
import { test } from 'node:test';
import { banner, startDevStack } from '@spreed-ts/devbackend';
import { TestClient } from '@spreed-ts/testkit';

/** A minimal cookie-keeping OCS client, as a guest's browser would be. */
class Guest {
  #cookies = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }
  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; data: unknown }> {
    const headers: Record<string, string> = {
      'OCS-APIRequest': 'true',
      Accept: 'application/json',
      Cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(new URL(path, this.base), {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      this.#cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const text = await res.text();
    const json = text.startsWith('{')
      ? (JSON.parse(text) as { ocs?: { data?: unknown } })
      : undefined;
    return { status: res.status, data: json?.ocs?.data ?? text };
  }
}

test('dev stack - npm start serves a public room a guest can join, and joining the call in the right order registers it', {
  timeout: 60_000,
}, async () => {
  await using stack = await startDevStack({ log: () => undefined });
  assert.match(stack.roomUrl, /^http:\/\/127\.0\.0\.1:\d+\/call\/\w+$/);
  const text = banner(stack);
  assert.ok(text.includes(stack.roomUrl), 'the banner prints the room URL');
  assert.ok(text.includes(stack.signalingUrl), 'the banner prints the signaling URL');

  const guest = new Guest(stack.backend.url);
  const page = await guest.request('GET', `call/${stack.roomToken}`);
  assert.equal(page.status, 200);
  const joined = await guest.request(
    'POST',
    `ocs/v2.php/apps/spreed/api/v4/room/${stack.roomToken}/participants/active`,
    {
      force: true,
    },
  );
  assert.equal(joined.status, 200);
  const talkSession = (joined.data as { sessionId: string }).sessionId;
  const settings = await guest.request(
    'GET',
    `ocs/v2.php/apps/spreed/api/v3/signaling/settings?token=${stack.roomToken}`,
  );
  const s = settings.data as { server: string; helloAuthParams: { '2.0': { token: string } } };
  const wsUrl = `${s.server.replace(/^http/, 'ws').replace(/\/$/, '')}/spreed`;

  const client = await TestClient.connect(wsUrl);
  assert.equal((await client.next()).type, 'welcome');
  client.send({
    type: 'hello',
    hello: {
      version: '2.0',
      auth: {
        url: `${stack.backend.url}ocs/v2.php/apps/spreed/api/v3/signaling/backend`,
        params: { token: s.helloAuthParams['2.0'].token },
      },
    },
  });
  const hello = (await client.next('hello')).hello as { sessionid: string };
  // The room join is awaited before the call is joined (the order the seed got wrong).
  client.send({ type: 'room', room: { roomid: stack.roomToken, sessionid: talkSession } });
  assert.equal(((await client.next('room')).room as { roomid: string }).roomid, stack.roomToken);
  const call = await guest.request(
    'POST',
    `ocs/v2.php/apps/spreed/api/v4/call/${stack.roomToken}`,
    { flags: 3 },
  );
  assert.equal(call.status, 200);
  const update = await client.next(
    (f) =>
      f.type === 'event' &&
      (f.event as { target: string }).target === 'participants' &&
      JSON.stringify(f).includes(hello.sessionid),
  );
  const users = (
    update.event as { update: { users: Array<{ sessionId: string; inCall: number }> } }
  ).update.users;
  const own = users.find((u) => u.sessionId === hello.sessionid);
  assert.equal(own?.inCall, 3);
  await client.close();
});
