import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TALK_REQUIRED_FEATURES } from '@spreed-ts/protocol';
import { OcsTestClient } from './fixtures/http-fixtures.js';
import { banner, startDevStack } from './stack/start-dev-stack.js';

const T = { timeout: 20_000 };

/** A stand-in for bin/signaling: reads `listen` from the config and answers like the server. */
const FAKE_SERVER = `
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
const config = readFileSync(process.argv[process.argv.indexOf('-config') + 1], 'utf8');
const [host, port] = /^listen = (.*)$/m.exec(config)[1].split(':');
const features = ${JSON.stringify(TALK_REQUIRED_FEATURES.join(','))} +
  (/^type = janus$/m.test(config) ? ',mcu' : '');
createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Spreed-Signaling-Features': features });
    res.end(req.url === '/api/v1/welcome' ? '{"nextcloud-spreed-signaling":"Welcome","version":"fake"}' : '{}');
  });
}).listen(Number(port), host, () => console.log('fake signaling listening'));
process.on('SIGTERM', () => process.exit(0));
`;

async function fakeScript(source: string): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'devstack-test-'));
  const path = join(dir, 'signaling.mjs');
  await writeFile(path, source);
  return { path, dir };
}

test(
  'dev stack - starts the server with a config pointing at the backend and wires both',
  T,
  async () => {
    const fake = await fakeScript(FAKE_SERVER);
    const lines: string[] = [];
    try {
      await using stack = await startDevStack({
        signalingScript: fake.path,
        devPort: 0,
        log: (line) => lines.push(line),
      });
      assert.equal(stack.backend.signalingUrl, stack.signalingUrl);
      assert.deepEqual(stack.signaling.welcome, {
        'nextcloud-spreed-signaling': 'Welcome',
        version: 'fake',
      });
      const conf = await readFile(stack.configPath, 'utf8');
      assert.ok(conf.includes(`\nurls = ${stack.backend.url}\n`));
      assert.ok(conf.includes(`\nsecret = ${stack.backend.secret}\n`));
      assert.ok(lines.some((l) => l.includes('[signaling] fake signaling listening')));
      assert.match(banner(stack), new RegExp(stack.roomUrl));

      const client = new OcsTestClient(stack.backend.url);
      assert.equal((await client.get(stack.roomUrl.slice(stack.backend.url.length))).status, 200);
      await client.post(
        `ocs/v2.php/apps/spreed/api/v4/room/${stack.roomToken}/participants/active`,
        {},
      );
      const sent = await stack.backend.waitForNotification((n) => n.body.type === 'invite');
      assert.equal(sent.status, 200);
      assert.equal(sent.error, undefined);

      await stack.stop();
      assert.equal(await stack.signaling.exited, 0);
    } finally {
      await rm(fake.dir, { recursive: true, force: true });
    }
  },
);

/** A stand-in for scripts/start-janus.sh: prints what the real one prints, runs until SIGTERM. */
const FAKE_JANUS = `#!/usr/bin/env bash
echo "args: $*" >&2
echo "JANUS_URL=ws://127.0.0.1:1"
echo "JANUS_PID=$$"
trap 'echo stopped >&2; exit 0' TERM
while :; do sleep 0.05; done
`;

test(
  'dev stack - with sfu, starts Janus first, configures [mcu] and waits for the server to list mcu',
  T,
  async () => {
    const fake = await fakeScript(FAKE_SERVER);
    const janusScript = join(fake.dir, 'start-janus.sh');
    await writeFile(janusScript, FAKE_JANUS);
    try {
      const lines: string[] = [];
      await using stack = await startDevStack({
        signalingScript: fake.path,
        sfu: { iceAddress: '127.0.0.2', janusScript },
        log: (line) => lines.push(line),
      });
      assert.equal(stack.janus?.url, 'ws://127.0.0.1:1');
      const conf = await readFile(stack.configPath, 'utf8');
      assert.match(conf, /\n\[mcu\]\ntype = janus\nurl = ws:\/\/127\.0\.0\.1:1\n/);
      assert.match(banner(stack), /SFU {16}Janus ws:\/\/127\.0\.0\.1:1/);
      await stack.stop();
      assert.equal(await stack.janus?.exited, 0);
    } finally {
      await rm(fake.dir, { recursive: true, force: true });
    }
  },
);

test('dev stack - a server that exits early fails the start with its output', T, async () => {
  const fake = await fakeScript("console.error('boom: bad config'); process.exit(3);");
  try {
    await assert.rejects(
      startDevStack({ signalingScript: fake.path, log: () => {} }),
      /exited \(3\)[\s\S]*boom: bad config/,
    );
  } finally {
    await rm(fake.dir, { recursive: true, force: true });
  }
});

test('dev stack - a missing executable is reported clearly', T, async () => {
  await assert.rejects(
    startDevStack({ signalingScript: '/nonexistent/signaling', log: () => {} }),
    /not found/,
  );
});
