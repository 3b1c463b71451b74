#!/usr/bin/env node
// CPU per NATS message at 1 message per ms, in a child process per client: publishing, and
// receiving (fed by another process), for nats.js, our client (packages/server/src/bus/nats/),
// a raw socket (PUB written as is, reads only counted: the floor) and a timer alone (subtracted).
// Needs a build (`npx tsc -b`) and nats-server. Environment: ROLES=pub,sub KINDS=none,raw,natsjs,ours
// ROUNDS=3 SECONDS_=6. The machine's other load makes single figures noisy: compare rounds.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// nats.js is a dependency of the tests only.
const require = createRequire(new URL('../tests/package.json', import.meta.url));
const natsjs = require('nats');
const { NatsClient } = await import('../packages/server/dist/index.js');
const { startNats } = await import('../packages/testkit/dist/index.js');
const SECONDS = Number(process.env.SECONDS_ ?? 8);
const payload = Buffer.from(
  JSON.stringify({ v: 1, from: 'x', type: 'session-relay', data: 'x'.repeat(380) }),
);

async function client(kind, url) {
  if (kind === 'natsjs') {
    const nc = await natsjs.connect({ servers: url, noEcho: true });
    return {
      pub: (s, d) => nc.publish(s, d),
      sub: (s, f) => nc.subscribe(s, { callback: (_e, m) => f(m.data) }),
      flush: () => nc.flush(),
      close: () => nc.close(),
    };
  }
  if (kind === 'ours') {
    const nc = await NatsClient.connect({ servers: [url], noEcho: true });
    return {
      pub: (s, d) => nc.publish(s, d),
      sub: (s, f) => nc.subscribe(s, (d) => f(d)),
      flush: () => nc.flush(),
      close: () => nc.close(),
    };
  }
  if (kind === 'raw' || kind === 'raw-tick') {
    // The floor: PUB written straight to a socket, reads only counted (no parsing).
    const net = await import('node:net');
    const u = new URL(url);
    const sock = net.createConnection({ host: u.hostname, port: Number(u.port) });
    sock.setNoDelay(true);
    await new Promise((r) => sock.once('data', r));
    sock.write('CONNECT {"verbose":false,"echo":false}\r\n');
    let onMsg = () => undefined;
    sock.on('data', (d) => {
      if (d.length > 100) {
        onMsg(d);
      }
    });
    return {
      pub: (s, d) => {
        const w = () =>
          sock.write(
            Buffer.concat([Buffer.from(`PUB ${s} ${d.length}\r\n`), d, Buffer.from('\r\n')]),
          );
        if (kind === 'raw-tick') {
          process.nextTick(w);
        } else {
          w();
        }
      },
      sub: (s, f) => {
        onMsg = f;
        sock.write(`SUB ${s} 1\r\n`);
      },
      flush: () =>
        new Promise((r) => {
          sock.write('PING\r\n');
          setTimeout(r, 50);
        }),
      close: async () => sock.end(),
    };
  }
  // 'none': only the timer, to subtract the cost of ticking every ms.
  return {
    pub: () => undefined,
    sub: () => undefined,
    flush: async () => undefined,
    close: async () => undefined,
  };
}

if (process.argv[2] === 'child') {
  const [, , , role, kind, url] = process.argv;
  const c = await client(kind, url);
  let n = 0;
  if (role === 'sub') {
    c.sub('micro', (d) => {
      n += d.length > 0 ? 1 : 0;
    });
    await c.flush();
  }
  process.send('ready');
  await new Promise((r) => process.once('message', r));
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  if (role === 'pub') {
    await new Promise((resolve) => {
      const end = w0 + SECONDS * 1000;
      const timer = setInterval(() => {
        c.pub('micro', payload);
        n++;
        if (performance.now() >= end) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
  } else {
    await new Promise((r) => process.once('message', r));
  }
  await c.flush();
  const cpu = process.cpuUsage(t0);
  process.send({ n, cpuUs: cpu.user + cpu.system, wallMs: performance.now() - w0 });
  await c.close();
  process.exit(0);
}

const nats = await startNats();
const results = [];
const run = async (role, kind) => {
  const child = fork(fileURLToPath(import.meta.url), ['child', role, kind, nats.url]);
  await new Promise((r) => child.once('message', r));
  let feeder;
  if (role === 'sub') {
    feeder = await NatsClient.connect({ servers: [nats.url] });
  }
  child.send('go');
  if (role === 'sub') {
    await new Promise((resolve) => {
      const end = performance.now() + SECONDS * 1000;
      const timer = setInterval(() => {
        feeder.publish('micro', payload);
        if (performance.now() >= end) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    await feeder.flush();
    await new Promise((r) => setTimeout(r, 200));
    child.send('stop');
  }
  const [res] = await Promise.all([new Promise((r) => child.once('message', r))]);
  if (feeder) {
    await feeder.close();
  }
  results.push({ role, kind, ...res, usPerMsg: res.cpuUs / Math.max(1, res.n) });
  console.log(
    role,
    kind,
    `n=${res.n}`,
    `cpu=${(res.cpuUs / 1000).toFixed(0)}ms`,
    `wall=${res.wallMs.toFixed(0)}ms`,
  );
};
const ROLES = (process.env.ROLES ?? 'pub,sub').split(',');
const KINDS = (process.env.KINDS ?? 'none,raw,natsjs,ours').split(',');
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  for (const role of ROLES) {
    for (const kind of KINDS) {
      await run(role, kind);
    }
  }
}
const summary = {};
for (const r of results) {
  const key = `${r.role} ${r.kind}`;
  summary[key] = [...(summary[key] ?? []), r];
}
const base = (role) => {
  const rs = summary[`${role} none`] ?? [];
  return rs.reduce((a, r) => a + r.cpuUs / (r.wallMs / 1000), 0) / Math.max(1, rs.length);
};
for (const [key, rs] of Object.entries(summary)) {
  if (key.endsWith(' none') && key.startsWith('sub')) {
    continue; // Receives nothing.
  }
  const role = key.split(' ')[0];
  const per = rs.map((r) => (r.cpuUs - (base(role) * r.wallMs) / 1000) / Math.max(1, r.n));
  console.log(key.padEnd(16), 'µs/msg above timer-only:', per.map((x) => x.toFixed(1)).join(' '));
}
await nats[Symbol.asyncDispose]();
