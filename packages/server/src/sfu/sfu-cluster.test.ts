import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { InProcessBus, InProcessNetwork } from '../bus/in-process-bus.js';
import { Peers } from '../bus/peers.js';
import { Subjects } from '../bus/subjects.js';
import { silentLogger } from '../logger.js';
import type { StreamType } from './mcu-data.js';
import { type ClosedRemotePublisher, NoSfu, type PublisherLocation } from './sfu.js';
import { type LookupResult, SfuClusterLink } from './sfu-cluster.js';

/** An SFU with a fixed set of local publishers that records what it is told about remote ones. */
class RecordingSfu extends NoSfu {
  readonly local = new Map<string, PublisherLocation>();
  readonly closed: string[] = [];

  override localPublisher(publisherId: string, streamType: StreamType) {
    return this.local.get(`${publisherId}|${streamType}`);
  }

  override remotePublisherClosed(server: string, publisher?: ClosedRemotePublisher): void {
    this.closed.push(
      publisher === undefined
        ? `${server}: all`
        : `${server}: ${publisher.publisherId}|${publisher.streamType}@${publisher.room}${
            publisher.proxyclient === undefined ? '' : ` client ${publisher.proxyclient}`
          }`,
    );
  }
}

async function node(network: InProcessNetwork, id: string, lookups: LookupResult[] = []) {
  const bus = new InProcessBus({ network, serverId: id, logger: silentLogger });
  const peers = new Peers({ bus, logger: silentLogger, version: 't', intervalMs: 20 });
  const sfu = new RecordingSfu();
  const link = new SfuClusterLink({
    bus,
    peers,
    sfu,
    logger: silentLogger,
    lookupTimeoutMs: 200,
    onLookup: (r) => lookups.push(r),
  });
  link.start();
  peers.start();
  return { bus, peers, sfu, link, lookups };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    assert.ok(Date.now() < deadline, 'timed out');
    await sleep(5);
  }
}

test('sfu cluster link - finds a publisher on another server, or nothing within its budget', async () => {
  const network = new InProcessNetwork();
  const a = await node(network, 'a');
  const b = await node(network, 'b');
  const silent = new InProcessBus({ network, serverId: 'silent', logger: silentLogger });
  const silentPeers = new Peers({
    bus: silent,
    logger: silentLogger,
    version: 't',
    intervalMs: 20,
  });
  silentPeers.start();
  await until(() => a.peers.size === 2 && b.peers.size === 2);
  const location = { sfu: 'ws://janus', room: 1234, feed: 1 };
  b.sfu.local.set('pub|video', location);
  assert.deepEqual(await a.link.find('pub', 'video'), { server: 'b', location });
  // A publisher on a proxy: its client id, the proxy's address and a token come along.
  const onProxy = {
    sfu: 'https://proxy.example/',
    room: 0,
    feed: 0,
    proxyclient: 'c-1',
    ip: '192.0.2.1',
    token: 'jwt',
  };
  b.sfu.local.set('pub|screen', onProxy);
  assert.deepEqual(await a.link.find('pub', 'screen'), { server: 'b', location: onProxy });
  b.sfu.local.delete('pub|screen');
  // A server that never answers (e.g. crashed, not yet given up) costs the budget, no more.
  const started = Date.now();
  assert.equal(await a.link.find('pub', 'screen'), undefined);
  const took = Date.now() - started;
  assert.ok(took >= 150 && took < 1_000, `took ${took} ms`);
  assert.deepEqual(a.lookups, ['found', 'found', 'not_found']);
  for (const n of [a, b]) {
    n.link.stop();
    n.peers.close();
  }
  silentPeers.close();
});

test('sfu cluster link - closed publishers and gone servers end the subscribers elsewhere', async () => {
  const network = new InProcessNetwork();
  const a = await node(network, 'a');
  const b = await node(network, 'b');
  await until(() => a.peers.size === 1 && b.peers.size === 1);
  a.sfu.emit('publisherClosed', 'pub', 'screen', 77);
  await until(() => b.sfu.closed.length === 1);
  assert.deepEqual(b.sfu.closed, ['a: pub|screen@77']);
  // A proxy publisher names its proxy client (a successor of the same stream is not closed).
  a.sfu.emit('publisherClosed', 'pub', 'video', 0, 'c-1');
  await until(() => b.sfu.closed.length === 2);
  assert.deepEqual(b.sfu.closed, ['a: pub|screen@77', 'a: pub|video@0 client c-1']);
  // A message of an unknown stream type is not passed on.
  a.bus.publish(Subjects.sfu, {
    type: 'publisher-closed',
    sessionid: 'pub',
    streamtype: 'hologram',
    room: 1,
  });
  a.peers.close();
  await until(() => b.sfu.closed.length === 3);
  assert.deepEqual(b.sfu.closed, ['a: pub|screen@77', 'a: pub|video@0 client c-1', 'a: all']);
  a.link.stop();
  b.link.stop();
  b.peers.close();
});
