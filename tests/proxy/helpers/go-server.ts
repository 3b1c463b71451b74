/**
 * Debian's Go signaling server 0.4.1 with `[mcu] type = proxy`, against our development backend,
 * and headless Talk peers on it (the SFU tests' {@link SfuPeer}).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevBackend } from '@spreed-ts/devbackend';
import { spawnCollecting, TestClient } from '@spreed-ts/testkit';
import { joinAsPeer } from '../../sfu/helpers/join-peer.js';
import type { SfuPeer } from '../../sfu/helpers/sfu-peer.js';
import { exitOf } from './our-proxy.js';

export const GO_SERVER_BINARY = '/usr/bin/nextcloud-spreed-signaling-server';

/** Whether Debian's Go server is installed. */
export function goServerInstalled(): boolean {
  return existsSync(GO_SERVER_BINARY);
}

/** Options of {@link startGoServer}. */
export interface GoServerOptions {
  dev: DevBackend;
  /** `[mcu] url`: the proxy's base URL (`http://127.0.0.1:PORT/`). */
  proxyUrl: string;
  tokenId: string;
  tokenKeyPath: string;
}

/** A running Go server. */
export interface GoServer extends AsyncDisposable {
  readonly httpUrl: string;
  readonly wsUrl: string;
  output(): string;
  /** A participant of `token` that said hello, joined the room and the call (audio + video). */
  peer(token: string, userId: string): Promise<SfuPeer>;
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function welcomes(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Starts the Go server; the dev backend is told its URL. */
export async function startGoServer(options: GoServerOptions): Promise<GoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'spreed-go-server-'));
  const port = await freePort();
  const conf = join(dir, 'server.conf');
  writeFileSync(
    conf,
    `${[
      '[http]',
      `listen = 127.0.0.1:${port}`,
      '[app]',
      'debug = false',
      '[sessions]',
      `hashkey = ${randomBytes(16).toString('hex')}`,
      // Go 0.4.1 only accepts AES key lengths.
      `blockkey = ${randomBytes(8).toString('hex')}`,
      '[clients]',
      `internalsecret = ${randomBytes(16).toString('hex')}`,
      '[backend]',
      'allowall = true',
      'allowhttp = true',
      `secret = ${options.dev.secret}`,
      'timeout = 10',
      '[nats]',
      'url = :loopback:',
      '[mcu]',
      'type = proxy',
      `url = ${options.proxyUrl}`,
      `token_id = ${options.tokenId}`,
      `token_key = ${options.tokenKeyPath}`,
      'proxytimeout = 5',
      '[turn]',
    ].join('\n')}\n`,
  );
  const { child, output } = spawnCollecting(GO_SERVER_BINARY, ['-config', conf]);
  const httpUrl = `http://127.0.0.1:${port}`;
  const clients: TestClient[] = [];
  const peers: SfuPeer[] = [];
  const stop = async () => {
    for (const peer of peers) {
      peer.close();
    }
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitOf(child);
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 15_000;
    while (!(await welcomes(`${httpUrl}/api/v1/welcome`))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`Go server not serving: ${output()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  options.dev.setSignalingUrl(httpUrl);
  const dev = options.dev;
  const wsUrl = `ws://127.0.0.1:${port}/spreed`;
  return {
    httpUrl,
    wsUrl,
    output,
    async peer(token, userId) {
      const talk = dev.joinRoom(token, { userId });
      const client = await TestClient.connect(wsUrl, { timeoutMs: 10_000 });
      clients.push(client);
      const peer = await joinAsPeer(
        client,
        dev,
        token,
        userId,
        talk.sessionId,
        `${dev.url}ocs/v2.php/apps/spreed/api/v1/signaling/backend`,
      );
      peers.push(peer);
      dev.setInCall(talk.sessionId, 7);
      return peer;
    },
    [Symbol.asyncDispose]: stop,
  };
}
