/**
 * EtcdStorage against a real 3-member etcd cluster: losing the leader must not lose an acknowledged
 * write, and a watch must neither skip nor repeat events across the leader change.
 */
import { EtcdStorage } from '../../src/storage/etcd-storage';
import { isStorageError } from '../../src/storage/errors';
import type { WatchEvent } from '../../src/storage/interface';
import { startEtcdCluster, type EtcdCluster } from '../helpers/etcd-process';

jest.setTimeout(120_000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('EtcdStorage on a 3-member cluster', () => {
  let cluster: EtcdCluster;
  let storage: EtcdStorage;

  beforeAll(async () => {
    cluster = await startEtcdCluster(3);
    storage = EtcdStorage.create({ endpoints: [cluster.endpoints.join(',')], requestTimeoutMs: 3000 });
  });

  afterAll(async () => {
    await storage.close();
    await cluster.cleanup();
  });

  it('killing the leader loses no acknowledged write, writes resume, and the watch has no gap or duplicate', async () => {
    const prefix = '/registry/pods/cluster/';
    const r0 = await storage.currentRevision();
    const watch = storage.watch(prefix, r0);
    const received: WatchEvent[] = [];
    let endError: unknown;
    const reading = (async () => {
      try {
        for await (const ev of watch) received.push(ev);
      } catch (err) {
        endError = err;
      }
    })();

    const acked: string[] = [];
    const failures = new Map<string, number>();
    let ackedAfterRecovery = 0;
    let leaderKilled = false;
    let stop = false;
    const writer = (async () => {
      for (let i = 0; i < 5000 && !stop; i++) {
        try {
          const kv = await storage.create(`${prefix}p${i}`, Buffer.from(`v${i}`));
          acked.push(kv.key);
          if (leaderKilled) ackedAfterRecovery++;
        } catch (err) {
          const code = isStorageError(err) ? err.code : 'non-storage';
          failures.set(code, (failures.get(code) ?? 0) + 1);
          await sleep(20);
        }
      }
    })();

    await sleep(500);
    const leader = await cluster.leaderIndex();
    expect(leader).toBeGreaterThanOrEqual(0);
    await cluster.members[leader].kill9();
    leaderKilled = true;
    // Writes must resume on the surviving pair (bounded wait).
    for (let i = 0; i < 100 && ackedAfterRecovery < 20; i++) await sleep(100);
    expect(ackedAfterRecovery).toBeGreaterThanOrEqual(20);
    await cluster.members[leader].start();
    await sleep(500);
    stop = true;
    await writer;

    const final = await storage.list(prefix);
    for (let i = 0; i < 100 && endError === undefined; i++) {
      const last = received.length > 0 ? received[received.length - 1].modRevision : r0;
      if (last >= final.revision) break;
      await sleep(100);
    }
    watch.close();
    await reading;

    // Failures during the election are Unavailable/Timeout only: a create is never blindly retried into AlreadyExists.
    for (const code of failures.keys()) expect(['Unavailable', 'Timeout']).toContain(code);
    const listed = new Set(final.items.map((kv) => kv.key));
    for (const key of acked) expect(listed.has(key)).toBe(true);

    const revs = received.map((e) => e.modRevision);
    expect(revs).toEqual(Array.from({ length: revs.length }, (_, i) => r0 + 1 + i));
    if (endError === undefined) {
      expect(revs[revs.length - 1]).toBe(final.revision);
      expect(received.map((e) => e.key).sort()).toEqual([...listed].sort());
    } else {
      expect(isStorageError(endError)).toBe(true);
    }
  });

  it('a watch on a member that lost its leader is not left silently stalled: it ends with Unavailable when no member can serve it', async () => {
    // Client and watch pinned to member 0; freezing the other two leaves it without a leader.
    const only = EtcdStorage.create({ endpoints: [cluster.endpoints[0]], requestTimeoutMs: 1000, watchResumeTimeoutMs: 2000 });
    const others = cluster.members.slice(1);
    try {
      const c = await only.create('/registry/pods/stall/a', Buffer.from('1'));
      const watch = only.watch('/registry/pods/stall/', c.modRevision - 1);
      const it = watch[Symbol.asyncIterator]();
      expect((await it.next()).value?.modRevision).toBe(c.modRevision);
      for (const m of others) m.pause();
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        it.next().then(
          (r) => (r.done === true ? 'done' : 'event'),
          (err: unknown) => (isStorageError(err) ? err.code : String(err)),
        ),
        new Promise<string>((r) => (timer = setTimeout(() => r('stalled'), 20_000))),
      ]);
      clearTimeout(timer);
      expect(outcome).toBe('Unavailable');
      watch.close();
    } finally {
      for (const m of others) m.resume();
      await only.close();
    }
    // The cluster heals and serves again.
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      try {
        await storage.create(`/registry/pods/stall/after-${i}`, Buffer.from('x'));
        ok = true;
      } catch {
        await sleep(200);
      }
    }
    expect(ok).toBe(true);
  });
});
