// The soak and fault campaign of issue 13: tracked clients exchange numbered messages for a while
// through one server or a NATS cluster of our servers, while faults are injected (network drops
// with resume, resume storms, hostile frames, floods with slow readers, hostile backend requests,
// slowloris sockets, join/leave churn). It reports crashes, lost and duplicated messages and the
// servers' memory over time, and exits non-zero on any defect.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type NatsServer, Prng, startNats } from '@spreed-ts/testkit';
import { startBackendProcess } from '../harness/backend-process.js';
import { readMemory } from '../harness/proc-stats.js';
import { type Child, ProcessRegistry } from '../harness/processes.js';
import { newSecrets, ServerLauncher } from '../harness/server-launcher.js';
import {
  churn,
  type FaultTarget,
  flood,
  helloFrame,
  hostileBackendRequests,
  hostileClient,
  newOutcomes,
  slowloris,
  slowReader,
} from './faults.js';
import { Ledger } from './ledger.js';
import { SoakClient } from './soak-client.js';
import { parseSoakOptions, SOAK_USAGE, type SoakOptions } from './soak-options.js';

interface ServerRun {
  index: number;
  child: Child;
  wsUrl: string;
  httpUrl: string;
  /** Its log, for the report when it dies. */
  logPath: string;
  exit: number | string | undefined;
}

interface Tracked {
  index: number;
  server: number;
  room: string;
  client: SoakClient | undefined;
  sessionId: string;
  resumeId: string;
  seq: number;
  state: 'up' | 'down';
}

interface MemoryPoint {
  t: number;
  rssMiB: number[];
}

const started = performance.now();
const clock = () => performance.now() - started;

async function startServers(
  options: SoakOptions,
  registry: ProcessRegistry,
  workDir: string,
  nats: NatsServer | undefined,
): Promise<ServerRun[]> {
  const binary = fileURLToPath(new URL('../../../bin/signaling', import.meta.url));
  const launcher = new ServerLauncher(
    registry,
    workDir,
    newSecrets(),
    { go: '', ours: binary },
    false,
  );
  const runs: ServerRun[] = [];
  for (let index = 0; index < options.servers; index++) {
    const server = await launcher.start('ours', {
      // Short read timeout so slowloris sockets are seen closed within the fault's few seconds.
      readTimeoutS: 5,
      ...(nats === undefined ? {} : { natsUrl: nats.url, natsHeartbeatS: 1 }),
    });
    const run: ServerRun = {
      index,
      child: server.child,
      wsUrl: server.wsUrl,
      httpUrl: `${server.httpUrl}/`,
      logPath: server.logPath,
      exit: undefined,
    };
    void server.child.exited.then((code) => {
      run.exit = code;
    });
    runs.push(run);
  }
  return runs;
}

/** The last `count` lines of a server's log. */
function logTail(path: string, count: number): string[] {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-count);
  } catch {
    return [];
  }
}

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${SOAK_USAGE}\n`);
    return 0;
  }
  let options: SoakOptions;
  try {
    options = parseSoakOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const registry = new ProcessRegistry();
  const workDir = mkdtempSync(join(os.tmpdir(), 'spreed-soak-'));
  process.on('exit', () => registry.killAllNow());
  let nats: NatsServer | undefined;
  const onSignal = () => {
    void registry.stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const random = new Prng(options.seed);
  const rand = (n: number) => random.int(n);
  try {
    if (options.servers > 1) {
      nats = await startNats();
    }
    const backend = await startBackendProcess(registry, false);
    const servers = await startServers(options, registry, workDir, nats);
    const target = (i: number): FaultTarget => {
      const s = servers[i % servers.length] as ServerRun;
      return { wsUrl: s.wsUrl, httpUrl: s.httpUrl, helloUrl: backend.helloUrl };
    };
    log(
      `soak: ${options.clients} clients in ${options.rooms} rooms on ${options.servers} server(s)` +
        `${nats ? ' + nats-server' : ''}, ${options.rate} msg/s each, ${options.durationS} s, fault every ${options.faultEveryS} s, seed ${options.seed}`,
    );

    const ledger = new Ledger(500);
    const members = new Map<string, Tracked[]>();
    const tracked: Tracked[] = [];
    let resumeFailures = 0;
    let resumes = 0;
    const attach = (t: Tracked, client: SoakClient) => {
      t.client = client;
      client.onFrame = (frame) => {
        if (frame.type !== 'message') {
          return;
        }
        const data = (frame.message as { data?: { type?: string; id?: string } }).data;
        if (data?.type === 'soak' && typeof data.id === 'string') {
          ledger.received(t.index, data.id);
        }
      };
    };
    // Set-up: every tracked client says hello and joins its room.
    for (let i = 0; i < options.clients; i++) {
      const t: Tracked = {
        index: i,
        server: i % options.servers,
        room: `soak-${i % options.rooms}`,
        client: undefined,
        sessionId: '',
        resumeId: '',
        seq: 0,
        state: 'up',
      };
      const client = await SoakClient.connect(target(t.server).wsUrl);
      const hello = await client.request(helloFrame(backend.helloUrl, `user-${i}`));
      const body = hello.hello as { sessionid: string; resumeid: string } | undefined;
      if (body === undefined) {
        throw new Error(`hello failed: ${JSON.stringify(hello)}`);
      }
      t.sessionId = body.sessionid;
      t.resumeId = body.resumeid;
      attach(t, client);
      const joined = await client.request({
        type: 'room',
        room: { roomid: t.room, sessionid: `talk-${i}` },
      });
      if (joined.type !== 'room') {
        throw new Error(`join failed: ${JSON.stringify(joined)}`);
      }
      tracked.push(t);
      const list = members.get(t.room) ?? [];
      list.push(t);
      members.set(t.room, list);
    }
    await delay(1_000);
    log(`set-up done in ${(clock() / 1000).toFixed(1)} s`);

    const memory: MemoryPoint[] = [];
    const sampleMemory = () =>
      memory.push({
        t: clock() / 1000,
        rssMiB: servers.map((s) => (readMemory(s.child.pid)?.rssKiB ?? 0) / 1024),
      });
    sampleMemory();

    // Traffic: open loop at the configured total rate; each message its own frame.
    const pad = 'p'.repeat(220);
    const sdp = `v=0\r\n${'a=candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host\r\n'.repeat(60)}`;
    const end = clock() + options.durationS * 1000;
    const totalRate = options.clients * options.rate;
    let credit = 0;
    let last = clock();
    const traffic = setInterval(() => {
      const now = clock();
      credit += ((now - last) / 1000) * totalRate;
      last = now;
      while (credit >= 1) {
        credit--;
        const sender = tracked[rand(tracked.length)] as Tracked;
        if (sender.state !== 'up' || sender.client?.open !== true) {
          continue;
        }
        const room = members.get(sender.room) as Tracked[];
        const id = `${sender.index}:${++sender.seq}`;
        const kind = rand(10);
        if (kind < 3) {
          ledger.sent(
            id,
            room.filter((m) => m !== sender).map((m) => m.index),
            now,
          );
          sender.client.send({
            type: 'message',
            message: { recipient: { type: 'room' }, data: { type: 'soak', id, pad } },
          });
        } else {
          let to = room[rand(room.length)] as Tracked;
          if (to === sender) {
            to = room[(room.indexOf(sender) + 1) % room.length] as Tracked;
          }
          ledger.sent(id, [to.index], now);
          const data =
            kind === 9 ? { type: 'soak', id, sdp } : { type: 'soak', id, candidate: pad };
          sender.client.send({
            type: 'message',
            message: { recipient: { type: 'session', sessionid: to.sessionId }, data },
          });
        }
      }
    }, 10);

    // Resume after a drop, on the same server or (in a cluster) another one.
    const resume = async (t: Tracked, afterMs: number) => {
      await delay(afterMs);
      const server = options.servers > 1 ? rand(options.servers) : t.server;
      resumes++;
      try {
        const client = await SoakClient.connect(target(server).wsUrl);
        attach(t, client);
        const reply = await client.request({
          type: 'hello',
          hello: { version: '1.0', resumeid: t.resumeId },
        });
        if (reply.type !== 'hello') {
          throw new Error(JSON.stringify(reply));
        }
        t.state = 'up';
      } catch (err) {
        resumeFailures++;
        log(`resume of client ${t.index} failed: ${(err as Error).message}`);
        ledger.retired(t.index);
      }
    };
    const drop = (t: Tracked) => {
      t.state = 'down';
      ledger.dropped(t.index, clock());
      t.client?.cut();
    };

    const outcomes = newOutcomes();
    const faultCounts = new Map<string, number>();
    const running = new Set<Promise<unknown>>();
    const track = (name: string, work: Promise<unknown>) => {
      faultCounts.set(name, (faultCounts.get(name) ?? 0) + 1);
      const p = work
        .catch((err: unknown) => log(`fault ${name}: ${(err as Error).message}`))
        .finally(() => running.delete(p));
      running.add(p);
    };
    const faults: Array<[string, () => Promise<unknown>]> = [
      [
        'drop and resume',
        async () => {
          const t = tracked[rand(tracked.length)] as Tracked;
          if (t.state === 'up') {
            drop(t);
            await resume(t, 300 + rand(4_000));
          }
        },
      ],
      [
        'resume storm',
        async () => {
          const victims = tracked.filter((t) => t.state === 'up' && rand(10) === 0);
          for (const t of victims) {
            drop(t);
          }
          await Promise.all(victims.map((t) => resume(t, 1_000)));
        },
      ],
      [
        'hostile frames',
        () => hostileClient(target(rand(servers.length)), `evil-${rand(1e6)}`, outcomes),
      ],
      [
        'flood + slow reader',
        () => {
          const room = `flood-${rand(1e6)}`;
          const at = target(rand(servers.length));
          return slowReader(at, room, (r) => flood(at, r, 10_000, 2_000), outcomes);
        },
      ],
      [
        'hostile backend requests',
        () => hostileBackendRequests(target(rand(servers.length)), outcomes),
      ],
      ['slowloris', () => slowloris(target(rand(servers.length)), 20, 8, outcomes)],
      ['churn', () => churn(target(rand(servers.length)), `soak-${rand(options.rooms)}`, 10)],
    ];
    let nextFault = clock() + options.faultEveryS * 1000;
    let nextSample = clock() + 5_000;
    let nextProgress = clock() + 30_000;
    let crashed = false;
    while (clock() < end && !crashed) {
      await delay(100);
      const now = clock();
      if (now >= nextFault) {
        nextFault += options.faultEveryS * 1000;
        const [name, run] = faults[rand(faults.length)] as [string, () => Promise<unknown>];
        track(name, run());
      }
      if (now >= nextSample) {
        nextSample += 5_000;
        sampleMemory();
        ledger.prune(now, 120_000);
      }
      if (now >= nextProgress) {
        nextProgress += 30_000;
        const totals = ledger.totals();
        log(
          `${(now / 1000).toFixed(0)} s: sent ${totals.sent}, delivered ${totals.delivered}, overdue ${ledger.overdue(now, 10_000)}, duplicated ${totals.duplicated}, RSS ${memory[memory.length - 1]?.rssMiB.map((m) => m.toFixed(1)).join('/')} MiB`,
        );
      }
      crashed = servers.some((s) => s.exit !== undefined);
    }
    clearInterval(traffic);
    log('traffic stopped; waiting for faults to finish and queues to drain');
    await Promise.race([Promise.all([...running]), delay(30_000)]);
    for (const t of tracked) {
      if (t.state === 'down') {
        await resume(t, 0);
      }
    }
    await delay(3_000);
    sampleMemory();
    crashed = servers.some((s) => s.exit !== undefined);
    const totals = ledger.totals();

    const lines: string[] = [];
    const out = (line = '') => lines.push(line);
    out(
      `### Soak ${new Date().toISOString().slice(0, 16)}Z: ${options.servers} server(s), ${options.durationS} s`,
    );
    out();
    out(
      `\`npm run soak -- ${process.argv.slice(2).join(' ')}\` — ${options.clients} clients in ${options.rooms} rooms, ${options.rate} msg/s each (30 % room, 60 % ~300-byte session, 10 % ~3.5 KB session messages), one fault every ${options.faultEveryS} s, seed ${options.seed}; Node ${process.version}, ${os.cpus().length} CPUs.`,
    );
    out();
    out('| figure | value |');
    out('| --- | --- |');
    out(`| crashes | ${servers.filter((s) => s.exit !== undefined).length} |`);
    out(`| messages sent | ${totals.sent} |`);
    out(`| deliveries expected | ${totals.expected} |`);
    out(`| delivered | ${totals.delivered} |`);
    out(`| **lost** | **${totals.lost}** |`);
    out(`| **duplicated** | **${totals.duplicated}** |`);
    out(`| misdelivered / unknown ids | ${totals.misdelivered} / ${totals.unknown} |`);
    out(
      `| in flight when a connection was cut (no acks in the protocol) | ${totals.inFlightAtDrop} |`,
    );
    out(`| resumes / failed | ${resumes} / ${resumeFailures} |`);
    out(`| faults | ${[...faultCounts].map(([k, v]) => `${k} ${v}`).join(', ')} |`);
    out(
      `| hostile frames answered | ${[...outcomes.hostileAnswers].map(([k, v]) => `${k} ×${v}`).join(', ')} |`,
    );
    out(
      `| hostile backend requests | ${[...outcomes.backendStatuses].map(([k, v]) => `HTTP ${k} ×${v}`).join(', ')} |`,
    );
    out(
      `| slow readers cut off / still open | ${outcomes.slowReadersClosed} / ${outcomes.slowReadersOpen} |`,
    );
    out(
      `| slowloris sockets closed / still open after 8 s | ${outcomes.slowlorisClosed} / ${outcomes.slowlorisOpen} |`,
    );
    out();
    out('RSS of each server over time (MiB):');
    out();
    out('| t (s) | RSS |');
    out('| --- | --- |');
    const step = Math.max(1, Math.floor(memory.length / 12));
    for (let i = 0; i < memory.length; i += step) {
      const p = memory[i] as MemoryPoint;
      out(`| ${p.t.toFixed(0)} | ${p.rssMiB.map((m) => m.toFixed(1)).join(' / ')} |`);
    }
    const lastPoint = memory[memory.length - 1] as MemoryPoint;
    if ((memory.length - 1) % step !== 0) {
      out(
        `| ${lastPoint.t.toFixed(0)} | ${lastPoint.rssMiB.map((m) => m.toFixed(1)).join(' / ')} |`,
      );
    }
    for (const s of servers) {
      if (s.exit !== undefined) {
        out();
        out(`Server ${s.index} exited (${s.exit}); last log lines:`);
        out('```');
        for (const line of logTail(s.logPath, 40)) {
          out(line);
        }
        out('```');
      }
    }
    out();
    const report = lines.join('\n');
    log(report);
    if (options.reportPath !== undefined) {
      appendFileSync(options.reportPath, `${report}\n`);
    }
    const defects =
      (crashed ? 1 : 0) +
      totals.lost +
      totals.duplicated +
      totals.misdelivered +
      totals.unknown +
      resumeFailures;
    log(defects === 0 ? 'soak: no defects' : `soak: ${defects} defect(s)`);
    for (const t of tracked) {
      t.client?.close();
    }
    return defects === 0 ? 0 : 1;
  } finally {
    await registry.stopAll();
    if (nats !== undefined) {
      await nats[Symbol.asyncDispose]();
    }
    rmSync(workDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
