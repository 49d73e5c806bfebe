/**
 * One etcd revision can change many keys (a transaction, or `etcdctl del --prefix` from another
 * client of the same etcd): the watch cache must apply every one of them, not just the first.
 */
import { Etcd3 } from 'etcd3';
import { EtcdStorage } from '../../src/storage/etcd-storage';
import type { WatchCache } from '../../src/watch/watch-cache';
import { startEtcd, type EtcdProcess } from '../helpers/etcd-process';
import { eventually, freshPrefix, newCache, pod, summarize, take } from './helpers';

jest.setTimeout(30_000);

let etcd: EtcdProcess;
let storage: EtcdStorage;
let raw: Etcd3;
let cache: WatchCache | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
  storage = EtcdStorage.create({ endpoints: [etcd.endpoint] });
  raw = new Etcd3({ hosts: [etcd.endpoint] });
});
afterEach(async () => {
  await cache?.stop();
  cache = undefined;
});
afterAll(async () => {
  raw?.close();
  await storage?.close();
  await etcd?.cleanup();
});

test('a range delete of 20 keys in one revision removes all 20 from the cache and every watcher sees 20 DELETED events', async () => {
  const prefix = freshPrefix('pods');
  for (let i = 0; i < 20; i++) await storage.create(`${prefix}ns/p${i}`, pod('ns', `p${i}`));
  cache = newCache(storage, prefix);
  await cache.start();
  expect(cache.snapshot().items).toHaveLength(20);
  const watcher = cache.watch({ resourceVersion: String(cache.resourceVersion) });

  const res = await raw.delete().prefix(prefix).exec();
  const rev = Number(res.header.revision);

  const events = await take(watcher, 20);
  watcher.close();
  expect(events.map(summarize).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `DELETED ns/p${i}@${rev}`).sort());
  expect(await eventually(() => cache!.snapshot().items.length === 0)).toBe(true);
});

test('a transaction creating several keys at once lands whole in the cache', async () => {
  const prefix = freshPrefix('pods');
  cache = newCache(storage, prefix);
  await cache.start();
  await raw
    .if(`${prefix}ns/a`, 'Create', '==', 0)
    .then(raw.put(`${prefix}ns/a`).value(pod('ns', 'a')), raw.put(`${prefix}ns/b`).value(pod('ns', 'b')), raw.put(`${prefix}ns/c`).value(pod('ns', 'c')))
    .commit();
  expect(await eventually(() => cache!.snapshot().items.length === 3)).toBe(true);
});
