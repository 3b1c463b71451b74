/**
 * Runs our `bin/proxy` as a user would: a temp folder with a generated RSA key pair and a
 * `proxy.conf`, the binary spawned with `-config`, its port read from its log. Also signs hello
 * tokens with the private key, as a signaling server does.
 */
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnCollecting, TestClient } from '@spreed-ts/testkit';

export const PROXY_BINARY = fileURLToPath(new URL('../../../../bin/proxy', import.meta.url));

/** Options of {@link startOurProxy}. */
export interface OurProxyOptions {
  /** `[mcu] url` (a Janus). */
  janusUrl: string;
  /** Token id of the generated key (default `server1`). */
  tokenId?: string;
  /** `[mcu] timeout` in seconds (default 3). */
  mcuTimeoutSeconds?: number;
  /** More lines appended to proxy.conf. */
  extraConfig?: string;
  /**
   * `tokentype = etcd`: the public keys are read from the etcd at `endpoint` under `keyFormat`
   * (the generated key is not stored anywhere; {@link OurProxy.publicKeyPem} is for the test).
   */
  etcdTokens?: { endpoint: string; keyFormat: string };
}

/** A running proxy. */
export interface OurProxy extends AsyncDisposable {
  readonly dir: string;
  readonly confPath: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT/` (the URL a signaling server's `[mcu] url` names). */
  readonly url: string;
  /** `ws://127.0.0.1:PORT/proxy`. */
  readonly wsUrl: string;
  readonly tokenId: string;
  readonly privateKey: KeyObject;
  /** The public key of {@link privateKey} (SPKI PEM). */
  readonly publicKeyPem: string;
  /** Path of the private key (PEM), for a signaling server's `[mcu] token_key`. */
  readonly privateKeyPath: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** A hello token signed with the generated key. */
  token(claims?: Record<string, unknown>, key?: KeyObject): string;
  /** A connected client that said hello; returns it with its session id. */
  hello(): Promise<{ client: TestClient; sessionId: string }>;
  /** Sends `signal` and waits for the exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs an RS256 JWT. */
export function signRs256(claims: Record<string, unknown>, key: KeyObject): string {
  const data = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${data}.${sign('sha256', Buffer.from(data), key).toString('base64url')}`;
}

/** Waits until `output()` matches `pattern`; throws when the process exits first. */
export async function waitForOutput(
  child: ChildProcess,
  output: () => string,
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(output());
    if (match) {
      return match;
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`no ${pattern} in output: ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves with the exit code once `child` exited. */
export async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return child.exitCode;
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** Generates a key pair, writes proxy.conf and starts `bin/proxy`. */
export async function startOurProxy(options: OurProxyOptions): Promise<OurProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'spreed-proxy-'));
  const tokenId = options.tokenId ?? 'server1';
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPath = join(dir, 'public.pem');
  const privateKeyPath = join(dir, 'private.pem');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(publicKeyPath, publicKeyPem);
  writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs1', format: 'pem' }));
  const confPath = join(dir, 'proxy.conf');
  writeFileSync(
    confPath,
    [
      '[http]',
      'listen = 127.0.0.1:0',
      '[app]',
      ...(options.etcdTokens === undefined
        ? ['tokentype = static', '[tokens]', `${tokenId} = ${publicKeyPath}`]
        : [
            'tokentype = etcd',
            '[tokens]',
            `keyformat = ${options.etcdTokens.keyFormat}`,
            '[etcd]',
            `endpoints = ${options.etcdTokens.endpoint}`,
          ]),
      '[mcu]',
      'type = janus',
      `url = ${options.janusUrl}`,
      `timeout = ${options.mcuTimeoutSeconds ?? 3}`,
      '[stats]',
      'allowed_ips = 127.0.0.1',
      options.extraConfig ?? '',
      '',
    ].join('\n'),
  );
  const { child, output } = spawnCollecting(process.execPath, [PROXY_BINARY, '-config', confPath]);
  const cleanup = () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  let port: number;
  try {
    const [, found] = await waitForOutput(child, output, /listening address=127\.0\.0\.1:(\d+)/);
    port = Number(found);
    await waitForOutput(child, output, /INFO started /);
  } catch (err) {
    cleanup();
    throw err;
  }
  const token = (claims: Record<string, unknown> = {}, key: KeyObject = privateKey) =>
    signRs256({ iat: Math.floor(Date.now() / 1000), iss: tokenId, ...claims }, key);
  const wsUrl = `ws://127.0.0.1:${port}/proxy`;
  const proxy: OurProxy = {
    dir,
    confPath,
    port,
    url: `http://127.0.0.1:${port}/`,
    wsUrl,
    tokenId,
    privateKey,
    publicKeyPem,
    privateKeyPath,
    child,
    output,
    token,
    async hello() {
      const client = await TestClient.connect(wsUrl);
      const id = client.send({ type: 'hello', hello: { version: '1.0', token: token() } });
      const reply = await client.next((f) => f.id === id);
      if (reply.type !== 'hello') {
        throw new Error(`hello failed: ${JSON.stringify(reply)}`);
      }
      return { client, sessionId: (reply.hello as { sessionid: string }).sessionid };
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        return await exitOf(child);
      } finally {
        clearTimeout(timer);
      }
    },
    async [Symbol.asyncDispose]() {
      await proxy.stop();
      cleanup();
    },
  };
  return proxy;
}
