/**
 * Storage outages under a WatchCache, with a real etcd behind a loopback TCP proxy we can cut: the
 * cache's client is partitioned while another client keeps writing (and compacting). Watchers must
 * either continue with no gap or get a 410 — never miss an event silently.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { EtcdStorage } from '../../src/storage/etcd-storage';
import type { KubeObject } from '../../src/api/types';
import type { Status } from '../../src/api/errors';
import type { WatchCache } from '../../src/watch/watch-cache';
import { startEtcd, type EtcdProcess } from '../helpers/etcd-process';
import { eventually, freshPrefix, newCache, nextEvent, pod, sleep, summarize, summarizeRaw, take, takeRawUntil } from './helpers';

/** A TCP forwarder to etcd that can drop every connection and refuse new ones until healed. */
class Partition {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private cut = false;
  constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => {
      if (this.cut) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  sever(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }
  heal(): void {
    this.cut = false;
  }
  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let etcd: EtcdProcess;
let direct: EtcdStorage;
let partition: Partition;
let viaProxy: EtcdStorage;
let cache: WatchCache | undefined;
/** Warnings the cache logged: proof that it really saw the outage. */
const warnings: string[] = [];
const recording = { info: (): void => undefined, warn: (m: string): void => void warnings.push(m) };

beforeAll(async () => {
  etcd = await startEtcd();
  direct = EtcdStorage.create({ endpoints: [etcd.endpoint] });
  partition = new Partition(Number(new URL(etcd.endpoint).port));
  viaProxy = EtcdStorage.create({ endpoints: [await partition.listen()], watchResumeTimeoutMs: 300, requestTimeoutMs: 1000 });
});
afterEach(async () => {
  warnings.length = 0;
  await cache?.stop();
  cache = undefined;
});
afterAll(async () => {
  await viaProxy?.close().catch(() => undefined);
  await direct?.close().catch(() => undefined);
  await partition?.close();
  await etcd?.cleanup();
});

test('after a partition with writes but no compaction, watchers continue with every event and no 410', async () => {
  const prefix = freshPrefix('partition');
  cache = newCache(viaProxy, prefix, { logger: recording });
  await cache.start();
  const rv0 = cache.resourceVersion;
  const w = cache.watch({ resourceVersion: String(rv0) });
  for (let i = 0; i < 3; i++) await direct.create(`${prefix}ns/a${i}`, pod('ns', `a${i}`));
  partition.sever();
  await sleep(800); // past the storage watch's own resume window: the cache sees Unavailable
  for (let i = 0; i < 3; i++) await direct.create(`${prefix}ns/b${i}`, pod('ns', `b${i}`));
  partition.heal();
  const last = await direct.create(`${prefix}ns/c`, pod('ns', 'c'));
  const raw = direct.watch(prefix, rv0);
  const expected = (await takeRawUntil(raw, last.modRevision)).map(summarizeRaw);
  raw.close();
  expect(expected).toHaveLength(7);
  expect((await take(w, 7, 15_000)).map(summarize)).toEqual(expected);
  expect(await nextEvent(w, 100)).toBe('timeout');
  expect(warnings).toContain('watch cache: storage watch failed; resuming');
  expect(warnings).not.toContain('watch cache: history compacted past the cache; re-listing');
  w.close();
}, 30_000);

test('when history was compacted during the partition, the cache re-lists and its watchers get 410, never a gap', async () => {
  const prefix = freshPrefix('compacted');
  cache = newCache(viaProxy, prefix, { logger: recording });
  await cache.start();
  const c = cache;
  const rv0 = c.resourceVersion;
  const w = c.watch({ resourceVersion: String(rv0) });
  const before = await direct.create(`${prefix}ns/a`, pod('ns', 'a'));
  expect(await eventually(() => c.resourceVersion === before.modRevision)).toBe(true);
  partition.sever();
  await sleep(800);
  const during = await direct.create(`${prefix}ns/b`, pod('ns', 'b'));
  await direct.update(`${prefix}ns/a`, pod('ns', 'a', { v: '2' }), before.modRevision);
  await direct.compact(await direct.currentRevision());
  partition.heal();

  const events = await take(w, 3, 15_000);
  expect(events.map((e) => e.type)).toEqual(['ADDED', 'ERROR']);
  expect(summarize(events[0]!)).toBe(`ADDED ns/a@${before.modRevision}`);
  const s = events[1]!.object as Status;
  expect(s).toMatchObject({ code: 410, reason: 'Expired' });
  expect(c.watcherCount).toBe(0);
  expect(warnings).toContain('watch cache: history compacted past the cache; re-listing');

  // The re-listed cache holds storage's state, and new watchers work from it.
  expect(await eventually(() => c.resourceVersion >= during.modRevision, 10_000)).toBe(true);
  const list = await direct.list(prefix);
  expect(c.snapshot(prefix).items.map((c) => c.decode()).map((o: KubeObject) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)).toEqual(
    list.items.map((kv) => `${kv.key.slice(prefix.length + 3)}@${kv.modRevision}`),
  );
  const fresh = c.watch({ resourceVersion: String(c.resourceVersion) });
  const d = await direct.create(`${prefix}ns/d`, pod('ns', 'd'));
  expect((await take(fresh, 1, 10_000)).map(summarize)).toEqual([`ADDED ns/d@${d.modRevision}`]);
  fresh.close();
}, 30_000);
