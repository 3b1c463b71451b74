import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '@spreed-ts/server';
import { TestClient } from '@spreed-ts/testkit';
import { assertServes, REPO_ROOT, run, runOk, Started } from './helpers/processes.js';

let out = '';
let unpacked = '';
let app = '';

before(async () => {
  out = mkdtempSync(join(tmpdir(), 'spreed-release-'));
  unpacked = mkdtempSync(join(tmpdir(), 'spreed-server-'));
  await runOk(process.execPath, ['scripts/release.mjs', '--no-build', '--out', out], {
    cwd: REPO_ROOT,
    timeoutMs: 60_000,
  });
  const { version } = JSON.parse(
    readFileSync(join(REPO_ROOT, 'packages/server/package.json'), 'utf8'),
  ) as { version: string };
  await runOk('tar', ['-xzf', join(out, `spreed-ts-signaling-${version}.tar.gz`)], {
    cwd: unpacked,
    timeoutMs: 20_000,
  });
  app = join(unpacked, `spreed-ts-signaling-${version}`);
});

after(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(unpacked, { recursive: true, force: true });
});

test('server release - runs outside the repository from bin/signaling with the example config, serves, stops on SIGTERM', {
  timeout: 60_000,
}, async () => {
  const version = (
    await runOk(join(app, 'bin/signaling'), ['-version'], { cwd: app, timeoutMs: 10_000 })
  ).trim();
  assert.match(version, /^spreed-ts signaling server version \d+\.\d+\.\d+$/);

  const conf = join(unpacked, 'server.conf');
  const example = readFileSync(join(app, 'server.conf.example'), 'utf8');
  assert.match(example, /^listen = /m);
  writeFileSync(conf, example.replace(/^listen = .*$/m, 'listen = 127.0.0.1:0'));
  // Started from another folder, so nothing resolves through the working directory.
  await using server = new Started(join(app, 'bin/signaling'), ['-config', conf], {
    cwd: tmpdir(),
  });
  const [, port] = await server.waitFor(/listening address=127\.0\.0\.1:(\d+)/, 20_000);
  const { answer } = await assertServes(Number(port));
  assert.ok(['hello', 'error'].includes((answer as { type: string }).type), JSON.stringify(answer));
  // The bundle, not the compiled modules of a source tree: it must never load from the repo.
  assert.doesNotMatch(server.output, new RegExp(REPO_ROOT.replace(/[/.]/g, '\\$&')));
  server.kill('SIGTERM');
  const result = await server.finished(15_000);
  assert.equal(result.code, 0, result.out);
});

/**
 * The unit `name` from packaging/ is in the tarball, runs bin/`program` with its config in Debian's
 * folder as `_signaling`, verifies with the release where the test unpacked it, and
 * `systemd-analyze security` rates it 3 or better.
 */
async function checkUnit(
  name: string,
  program: string,
  conf: string,
  t: { after(fn: () => void): void },
): Promise<void> {
  const unit = readFileSync(join(REPO_ROOT, 'packaging', name), 'utf8');
  assert.ok(
    unit
      .split('\n')
      .includes(
        `ExecStart=/opt/spreed-ts-signaling/bin/${program} -config /etc/nextcloud-spreed-signaling/${conf}`,
      ),
    `${name}: ExecStart`,
  );
  assert.match(unit, /^User=_signaling$/m);
  assert.equal(
    readFileSync(join(app, name), 'utf8'),
    unit,
    'the tarball carries the repository unit',
  );
  // The same unit with the release where the test unpacked it instead of /opt/spreed-ts-signaling:
  // verify checks that ExecStart is an executable file.
  const dir = mkdtempSync(join(tmpdir(), 'spreed-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, unit.replaceAll('/opt/spreed-ts-signaling/', `${app}/`));
  const verify = await run('systemd-analyze', ['verify', file], { cwd: dir, timeoutMs: 30_000 });
  assert.equal(verify.code, 0, verify.out);
  assert.equal(verify.out.trim(), '', `systemd-analyze verify complains:\n${verify.out}`);

  const security = await run('systemd-analyze', ['security', '--offline=true', file], {
    cwd: dir,
    timeoutMs: 30_000,
  });
  const score = new RegExp(
    `Overall exposure level for ${name.replace(/\./g, '\\.')}: (\\d+\\.\\d+)`,
  ).exec(security.out);
  assert.ok(score, security.out);
  assert.ok(Number(score[1]) <= 3, `${name}: exposure ${score[1]} > 3:\n${security.out}`);
}

test('server release - the systemd unit verifies against the unpacked release and rates 3 or better', {
  timeout: 60_000,
}, async (t) => {
  await checkUnit('spreed-ts-signaling.service', 'signaling', 'server.conf', t);
});

test('proxy release - the proxy systemd unit verifies against the unpacked release and rates 3 or better', {
  timeout: 60_000,
}, async (t) => {
  await checkUnit('spreed-ts-signaling-proxy.service', 'proxy', 'proxy.conf', t);
});

/** The ````lang` blocks of the README's proxy section, as written there (indentation removed). */
function readmeProxyBlocks(lang: string): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = /^## Scaling media with proxies\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  return [
    ...section.matchAll(new RegExp(`^\\s*\`\`\`${lang}\\n([\\s\\S]*?)^\\s*\`\`\``, 'gm')),
  ].map((m) => (m[1] ?? '').replace(/^ +/gm, ''));
}

/** The `openssl` commands of the README's proxy section. */
function readmeOpensslCommands(): string[] {
  return readmeProxyBlocks('sh')
    .flatMap((block) => block.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('openssl '));
}

/** An RS256 JWT as a signaling server signs it for the proxy's hello. */
function proxyToken(tokenId: string, privateKeyPem: string): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const data = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: tokenId, iat: Math.floor(Date.now() / 1000) })}`;
  const signature = sign('sha256', Buffer.from(data), createPrivateKey(privateKeyPem));
  return `${data}.${signature.toString('base64url')}`;
}

test('proxy release - bin/proxy runs outside the repository with the example proxy.conf and the README key pair, serves, drains on SIGUSR1', {
  timeout: 60_000,
}, async (t) => {
  const version = (
    await runOk(join(app, 'bin/proxy'), ['-version'], { cwd: app, timeoutMs: 10_000 })
  ).trim();
  assert.match(version, /^spreed-ts signaling proxy version \d+\.\d+\.\d+$/);

  // The key pair exactly as the README makes it.
  const dir = mkdtempSync(join(tmpdir(), 'spreed-proxy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const openssl = readmeOpensslCommands();
  assert.equal(openssl.length, 2, `the README's openssl commands: ${openssl.join(' / ')}`);
  for (const command of openssl) {
    await runOk('sh', ['-c', command], { cwd: dir, timeoutMs: 30_000 });
  }
  const privateKey = readFileSync(join(dir, 'proxy-token.key'), 'utf8');
  assert.match(readFileSync(join(dir, 'proxy-token.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);

  const example = readFileSync(join(app, 'proxy.conf.example'), 'utf8');
  for (const line of [
    /^listen = /m,
    /^server1 = \/etc\/nextcloud-spreed-signaling\/proxy-token\.pub$/m,
    /^url = ws:/m,
  ]) {
    assert.match(example, line);
  }
  const conf = join(dir, 'proxy.conf');
  writeFileSync(
    conf,
    example
      .replace(/^listen = .*$/m, 'listen = 127.0.0.1:0')
      .replace('/etc/nextcloud-spreed-signaling/proxy-token.pub', join(dir, 'proxy-token.pub'))
      // No Janus: the proxy keeps trying to connect, and serves signaling servers meanwhile.
      .replace(/^url = ws:.*$/m, 'url = ws://127.0.0.1:1/'),
  );
  // Started from another folder, so nothing resolves through the working directory.
  await using proxy = new Started(join(app, 'bin/proxy'), ['-config', conf], { cwd: tmpdir() });
  const [, port] = await proxy.waitFor(/listening address=127\.0\.0\.1:(\d+)/, 20_000);
  const base = `http://127.0.0.1:${port}`;

  const welcome = await fetch(`${base}/welcome`);
  assert.equal(welcome.status, 200);
  assert.deepEqual(await welcome.json(), {
    'nextcloud-spreed-signaling-proxy': 'Welcome',
    version: version.replace(/^.* /, ''),
  });
  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.status, 200, '[stats] allowed_ips = 127.0.0.1 in the example');
  assert.match(await metrics.text(), /^signaling_proxy_\w+/m);

  // A signaling server's hello, signed with the README's private key, is accepted.
  const client = await TestClient.connect(`ws://127.0.0.1:${port}/proxy`);
  try {
    const id = client.send({
      type: 'hello',
      hello: { version: '1.0', token: proxyToken('server1', privateKey) },
    });
    const answer = await client.next((frame) => frame.id === id, 10_000);
    assert.equal(answer.type, 'hello', JSON.stringify(answer));
  } finally {
    await client.close();
  }
  // The bundle, not the compiled modules of a source tree: it must never load from the repo.
  assert.doesNotMatch(proxy.output, new RegExp(REPO_ROOT.replace(/[/.]/g, '\\$&')));

  // Draining with no stream left: SIGUSR1 ends the process with 0.
  proxy.kill('SIGUSR1');
  const result = await proxy.finished(15_000);
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /all clients gone, shutting down/);
});

test('proxy release - the README proxy.conf starts the released proxy, its server.conf [mcu] loads', {
  timeout: 60_000,
}, async (t) => {
  const [proxyBlock, serverBlock, ...rest] = readmeProxyBlocks('ini');
  assert.ok(
    proxyBlock && serverBlock && rest.length === 0,
    'two ini blocks: proxy.conf, server.conf',
  );
  const dir = mkdtempSync(join(tmpdir(), 'spreed-proxy-readme-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const command of readmeOpensslCommands()) {
    await runOk('sh', ['-c', command], { cwd: dir, timeoutMs: 30_000 });
  }

  const conf = join(dir, 'proxy.conf');
  assert.match(proxyBlock, /^listen = 0\.0\.0\.0:9090 /m);
  writeFileSync(
    conf,
    proxyBlock
      .replace(/^listen = \S+/m, 'listen = 127.0.0.1:0')
      .replace('/etc/nextcloud-spreed-signaling/proxy-token.pub', join(dir, 'proxy-token.pub'))
      .replace(/^url = ws:\S+/m, 'url = ws://127.0.0.1:1/'),
  );
  await using proxy = new Started(join(app, 'bin/proxy'), ['-config', conf], { cwd: tmpdir() });
  await proxy.waitFor(/listening address=127\.0\.0\.1:\d+/, 20_000);
  // Unknown or unimplemented options would be warned about as ignored.
  assert.doesNotMatch(proxy.output, /ignored/, 'no warning about the README settings');
  proxy.kill('SIGTERM');
  assert.equal((await proxy.finished(15_000)).code, 0, proxy.output);

  const example = readFileSync(join(app, 'server.conf.example'), 'utf8');
  const { config } = loadConfig(
    `${example}\n${serverBlock.replace('/etc/nextcloud-spreed-signaling/proxy-token.key', join(dir, 'proxy-token.key'))}`,
    {},
  );
  assert.equal(config.mcu.type, 'proxy');
  assert.deepEqual(config.mcu.proxy && { ...config.mcu.proxy }, {
    timeoutMs: 2000,
    urlType: 'static',
    skipVerify: false,
    tokenId: 'server1',
    tokenKey: join(dir, 'proxy-token.key'),
    dnsDiscovery: false,
    keyPrefix: '/signaling/proxy/server',
  });
  assert.equal(config.mcu.url, 'https://media1.example.com/ https://media2.example.com/');
});
