import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SignalingFixture, TestClient } from '@spreed-ts/testkit';

/** An HTTP answer read completely. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

/** A request with `fetch`, body read as text. */
export async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * The value of one sample in a Prometheus text exposition (labels compared as written, sorted by
 * name), or undefined when the line is missing.
 */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${v}"`);
  const prefix = pairs.length > 0 ? `${name}{${pairs.join(',')}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

/** Scrapes `/metrics` of a fixture. */
export async function scrape(sig: SignalingFixture): Promise<string> {
  const reply = await request(`${sig.httpUrl}metrics`);
  if (reply.status !== 200) {
    throw new Error(`/metrics answered ${reply.status}: ${reply.text}`);
  }
  return reply.text;
}

/** Says an internal hello on a new connection; returns the client and its session id. */
export async function internalClient(
  sig: SignalingFixture,
  backendUrl: string,
  features: string[] = [],
): Promise<{ client: TestClient; sessionId: string; resumeId: string }> {
  const client = await sig.connect();
  client.send(sig.internalHello(backendUrl, features));
  const reply = await client.next((f) => f.type === 'hello' || f.type === 'error');
  if (reply.type !== 'hello') {
    throw new Error(`hello failed: ${JSON.stringify(reply)}`);
  }
  const hello = reply.hello as { sessionid: string; resumeid: string };
  return { client, sessionId: hello.sessionid, resumeId: hello.resumeid };
}

/** A temporary directory removed by `dispose()`. */
export function tempDir(prefix: string): { path: string; dispose(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/** Self-signed certificates for the TLS tests (shared with the server's unit tests). */
export { selfSignedCertificate } from '@spreed-ts/server/testing';
