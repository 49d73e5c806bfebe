/**
 * WatchCache against real storage (SQLite and a real etcd process): exactness against the storage's
 * own event history, kube's resourceVersion rules, filters with transitions, bookmarks, streaming
 * lists, slow consumers and resource release.
 */
import type { Storage, WatchEvent } from '../../src/storage/interface';
import type { KubeObject } from '../../src/api/types';
import type { Status } from '../../src/api/errors';
import type { ApiWatchEvent, ApiWatcher } from '../../src/watch/types';
import type { WatchCache } from '../../src/watch/watch-cache';
import type { AttrFilter, ObjectAttrs } from '../../src/watch/cached-object';
import {
  BACKENDS,
  attrsOf,
  decode,
  eventually,
  freshPrefix,
  newCache,
  nextEvent,
  openBackend,
  pod,
  summarize,
  summarizeRaw,
  take,
  takeRawUntil,
  type Backend,
} from './helpers';

const labelsOf = (o: KubeObject): Record<string, string> => o.metadata?.labels ?? {};

/** What kube's cacheWatcher sends for `filter`, computed from the raw history (transitions included). */
function expectedFiltered(history: WatchEvent[], afterRv: number, attrFilter: AttrFilter): string[] {
  const filter = (o: KubeObject): boolean => attrFilter(attrsOf(o));
  const state = new Map<string, KubeObject>();
  const out: string[] = [];
  for (const e of history) {
    const cur = decode({ key: e.key, value: e.value, createRevision: e.createRevision, modRevision: e.modRevision })!;
    const prev = state.get(e.key);
    if (e.type === 'delete') state.delete(e.key);
    else state.set(e.key, cur);
    if (e.modRevision <= afterRv) continue;
    const name = `${cur.metadata?.namespace ?? ''}/${cur.metadata?.name ?? ''}@${e.modRevision}`;
    if (e.type === 'delete') {
      if (filter(cur)) out.push(`DELETED ${name}`);
    } else if (e.isCreate) {
      if (filter(cur)) out.push(`ADDED ${name}`);
    } else {
      const now = filter(cur);
      const before = prev !== undefined && filter(prev);
      if (now && before) out.push(`MODIFIED ${name}`);
      else if (now) out.push(`ADDED ${name}`);
      else if (before) out.push(`DELETED ${name}`);
    }
  }
  return out;
}

function status(ev: ApiWatchEvent | 'timeout' | 'end'): Status {
  if (ev === 'timeout' || ev === 'end' || ev.type !== 'ERROR') throw new Error(`expected an ERROR event, got ${JSON.stringify(ev)}`);
  return ev.object as Status;
}

describe.each(BACKENDS)('WatchCache on %s storage', (backendName) => {
  let backend: Backend;
  let storage: Storage;
  const caches: WatchCache[] = [];

  beforeAll(async () => {
    backend = await openBackend(backendName);
    storage = backend.storage;
  });
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.stop();
  });
  afterAll(async () => {
    await backend?.cleanup();
  });

  async function started(prefix: string, extra: Parameters<typeof newCache>[2] = {}): Promise<WatchCache> {
    const c = newCache(storage, prefix, extra);
    caches.push(c);
    await c.start();
    return c;
  }

  test('every watcher, started at any resourceVersion (also mid-stream), gets exactly the storage events after it', async () => {
    const prefix = freshPrefix('exact');
    await storage.create(`${prefix}ns0/seed`, pod('ns0', 'seed'));
    const cache = await started(prefix);
    const startRev = await storage.currentRevision();
    const raw = storage.watch(prefix, startRev);
    const watchers: Array<{ rv: number; w: ApiWatcher }> = [{ rv: startRev, w: cache.watch({ resourceVersion: String(startRev) }) }];
    const initialState = cache.watch({ resourceVersion: '0' });

    const writer = async (id: number): Promise<void> => {
      for (let i = 0; i < 15; i++) {
        const k = `${prefix}ns${id % 2}/w${id}-${i}`;
        const created = await storage.create(k, pod(`ns${id % 2}`, `w${id}-${i}`, { i: String(i) }));
        const updated = await storage.update(k, pod(`ns${id % 2}`, `w${id}-${i}`, { i: String(i), step: 'two' }), created.modRevision);
        if (i % 3 === 0) await storage.delete(k, { expectedModRevision: updated.modRevision });
        // Watchers joining mid-stream, from the revision this writer just got acknowledged.
        if (i === 4 || i === 9) watchers.push({ rv: updated.modRevision, w: cache.watch({ resourceVersion: String(updated.modRevision) }) });
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));
    const finalRev = await storage.currentRevision();
    const history = await takeRawUntil(raw, finalRev);
    raw.close();
    expect(history[history.length - 1]?.modRevision).toBe(finalRev);

    expect(watchers).toHaveLength(9);
    for (const { rv, w } of watchers) {
      const expected = history.filter((e) => e.modRevision > rv).map(summarizeRaw);
      const got = (await take(w, expected.length)).map(summarize);
      expect(got).toEqual(expected);
      expect(await nextEvent(w, 100)).toBe('timeout');
      w.close();
    }

    // RV=0: synthetic ADDED for the state at start, then changes; replaying them yields the final list.
    const n = 1 + history.length;
    const replay = new Map<string, string>();
    for (const ev of await take(initialState, n)) {
      const o = ev.object as KubeObject;
      const id = `${o.metadata?.namespace}/${o.metadata?.name}`;
      if (ev.type === 'DELETED') replay.delete(id);
      else replay.set(id, o.metadata?.resourceVersion ?? '');
    }
    const list = await storage.list(prefix);
    const fromList = new Map(list.items.map((kv) => [`${decode(kv)!.metadata?.namespace}/${decode(kv)!.metadata?.name}`, String(kv.modRevision)]));
    expect(replay).toEqual(fromList);
    initialState.close();
    expect(cache.watcherCount).toBe(0);
  });

  test('a label filter turns updates that stop matching into DELETED and ones that start matching into ADDED', async () => {
    const prefix = freshPrefix('filter');
    const cache = await started(prefix);
    const startRev = await storage.currentRevision();
    const raw = storage.watch(prefix, startRev);
    const isProd = (a: ObjectAttrs): boolean => a.labels?.env === 'prod';
    const w = cache.watch({ resourceVersion: String(startRev), filter: isProd });

    const a = await storage.create(`${prefix}ns/a`, pod('ns', 'a', { env: 'dev' }));
    const a2 = await storage.update(`${prefix}ns/a`, pod('ns', 'a', { env: 'prod' }), a.modRevision);
    const a3 = await storage.update(`${prefix}ns/a`, pod('ns', 'a', { env: 'prod', v: '2' }), a2.modRevision);
    const a4 = await storage.update(`${prefix}ns/a`, pod('ns', 'a', { env: 'dev' }), a3.modRevision);
    await storage.delete(`${prefix}ns/a`, { expectedModRevision: a4.modRevision });
    const b = await storage.create(`${prefix}ns/b`, pod('ns', 'b', { env: 'prod' }));
    const last = await storage.delete(`${prefix}ns/b`, { expectedModRevision: b.modRevision });

    const history = await takeRawUntil(raw, last.modRevision);
    raw.close();
    const expected = expectedFiltered(history, startRev, isProd);
    expect(expected.map((s) => s.split(' ')[0])).toEqual(['ADDED', 'MODIFIED', 'DELETED', 'ADDED', 'DELETED']);
    const got = await take(w, expected.length);
    expect(got.map(summarize)).toEqual(expected);
    // The transition DELETED carries the last matching state, stamped with the update's revision.
    const stopped = got[2]!.object as KubeObject;
    expect(labelsOf(stopped).env).toBe('prod');
    expect(stopped.metadata?.resourceVersion).toBe(String(a4.modRevision));
    expect(await nextEvent(w, 100)).toBe('timeout');
    w.close();
  });

  test('a keyPrefix watch sees only its namespace, and snapshot lists it in key order', async () => {
    const prefix = freshPrefix('ns');
    for (const name of ['c', 'a', 'b']) await storage.create(`${prefix}one/${name}`, pod('one', name));
    await storage.create(`${prefix}two/x`, pod('two', 'x'));
    const cache = await started(prefix);
    const snap = cache.snapshot(`${prefix}one/`);
    expect(snap.items.map((o) => o.decode().metadata?.name)).toEqual(['a', 'b', 'c']);
    expect(snap.resourceVersion).toBe(await storage.currentRevision());

    const w = cache.watch({ resourceVersion: String(snap.resourceVersion), keyPrefix: `${prefix}one/` });
    await storage.create(`${prefix}two/y`, pod('two', 'y'));
    const d = await storage.create(`${prefix}one/d`, pod('one', 'd'));
    const [ev] = await take(w, 1);
    expect(summarize(ev!)).toBe(`ADDED one/d@${d.modRevision}`);
    w.close();
  });

  test('with storage replay off (kube), a resourceVersion older than the ring gets one 410 Expired ERROR and the stream ends', async () => {
    const prefix = freshPrefix('expired');
    const cache = await started(prefix, { historySize: 10, storageReplay: false });
    const revs: number[] = [];
    for (let i = 0; i < 30; i++) revs.push((await storage.create(`${prefix}ns/p${i}`, pod('ns', `p${i}`))).modRevision);
    expect(await eventually(() => cache.resourceVersion === revs[29])).toBe(true);

    const old = cache.watch({ resourceVersion: String(revs[4]) });
    const s = status(await nextEvent(old, 2000));
    expect(s.code).toBe(410);
    expect(s.reason).toBe('Expired');
    expect(s.message).toMatch(new RegExp(`^too old resource version: ${revs[4]} \\(\\d+\\)$`));
    expect(await nextEvent(old, 2000)).toBe('end');

    // Inside the retained window the same cache replays exactly.
    const recent = cache.watch({ resourceVersion: String(revs[24]) });
    expect((await take(recent, 5)).map((e) => (e.object as KubeObject).metadata?.name)).toEqual(['p25', 'p26', 'p27', 'p28', 'p29']);
    recent.close();
    expect(cache.watcherCount).toBe(0);
  });

  test('a resume older than the ring replays from storage history, then continues live from the ring, with no gap', async () => {
    const prefix = freshPrefix('replay');
    const cache = await started(prefix, { historySize: 10 });
    const rv0 = cache.resourceVersion;
    const raw = storage.watch(prefix, rv0);
    const isEven = (a: ObjectAttrs): boolean => Number(a.labels?.n) % 2 === 0;
    let prev = await storage.create(`${prefix}ns/flip`, pod('ns', 'flip', { n: '0' }));
    for (let i = 0; i < 30; i++) {
      await storage.create(`${prefix}ns/p${i}`, pod('ns', `p${i}`, { n: String(i) }));
      prev = await storage.update(`${prefix}ns/flip`, pod('ns', 'flip', { n: String(i + 1) }), prev.modRevision);
    }
    expect(await eventually(() => cache.resourceVersion === prev.modRevision)).toBe(true);
    const all = cache.watch({ resourceVersion: String(rv0) });
    const even = cache.watch({ resourceVersion: String(rv0), filter: isEven });
    expect(cache.watcherCount).toBe(2);
    // Live changes after the replay started must follow without a gap or duplicate.
    const live = await storage.create(`${prefix}ns/live`, pod('ns', 'live', { n: '100' }));
    const history = await takeRawUntil(raw, live.modRevision);
    raw.close();
    expect(history).toHaveLength(62);
    expect((await take(all, 62)).map(summarize)).toEqual(history.map(summarizeRaw));
    expect(await nextEvent(all, 100)).toBe('timeout');
    const expectedEven = expectedFiltered(history, rv0, isEven);
    expect((await take(even, expectedEven.length)).map(summarize)).toEqual(expectedEven);
    expect(await nextEvent(even, 100)).toBe('timeout');
    all.close();
    even.close();
    expect(cache.watcherCount).toBe(0);
  });

  test('history is also bounded by age: changes older than historyMaxAgeMs are no longer replayed from the cache', async () => {
    const prefix = freshPrefix('age');
    let now = 1_000_000;
    const cache = await started(prefix, { historyMaxAgeMs: 1000, storageReplay: false, clock: { now: () => now } });
    const rv0 = cache.resourceVersion;
    const e1 = await storage.create(`${prefix}ns/e1`, pod('ns', 'e1'));
    expect(await eventually(() => cache.resourceVersion === e1.modRevision)).toBe(true);
    now += 2000;
    const e2 = await storage.create(`${prefix}ns/e2`, pod('ns', 'e2'));
    expect(await eventually(() => cache.resourceVersion === e2.modRevision)).toBe(true);
    const tooOld = cache.watch({ resourceVersion: String(rv0) });
    expect(status(await nextEvent(tooOld, 2000)).code).toBe(410);
    const recent = cache.watch({ resourceVersion: String(e1.modRevision) });
    expect((await take(recent, 1)).map(summarize)).toEqual([`ADDED ns/e2@${e2.modRevision}`]);
    recent.close();
  });

  test('after compaction, a resourceVersion before the compacted revision gets 410 Expired', async () => {
    const prefix = freshPrefix('compact');
    const first = await storage.create(`${prefix}ns/a`, pod('ns', 'a'));
    const second = await storage.update(`${prefix}ns/a`, pod('ns', 'a', { v: '2' }), first.modRevision);
    await storage.update(`${prefix}ns/a`, pod('ns', 'a', { v: '3' }), second.modRevision);
    // The change right after `first` (second) is gone: resuming from `first` cannot be exact.
    await storage.compact(await storage.currentRevision());
    const cache = await started(prefix);
    const w = cache.watch({ resourceVersion: String(first.modRevision) });
    const s = status(await nextEvent(w, 2000));
    expect(s.code).toBe(410);
    expect(s.message).toContain(`too old resource version: ${first.modRevision}`);
  });

  test('allowBookmarks sends periodic BOOKMARKs that carry only kind, apiVersion and the latest resourceVersion', async () => {
    const prefix = freshPrefix('bookmark');
    const cache = await started(prefix);
    const w = cache.watch({ resourceVersion: String(cache.resourceVersion), allowBookmarks: true, bookmarkIntervalMs: 50 });
    const created = await storage.create(`${prefix}ns/a`, pod('ns', 'a'));
    // A bookmark may come before the event when storage is slow; it then carries an older RV.
    let added: Awaited<ReturnType<typeof take>>[number] | undefined;
    for (let i = 0; i < 100 && added?.type !== 'ADDED'; i++) {
      [added] = await take(w, 1);
      if (added?.type === 'BOOKMARK') {
        const rv = Number((added.object as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion);
        expect(rv).toBeLessThan(created.modRevision);
      }
    }
    expect(added?.type).toBe('ADDED');
    const [bookmark] = await take(w, 1);
    expect(bookmark?.type).toBe('BOOKMARK');
    expect(bookmark?.object).toEqual({ kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(created.modRevision) } });
    // And again later: they are periodic.
    const [again] = await take(w, 1);
    expect(again?.type).toBe('BOOKMARK');
    w.close();
    const noBookmarks = cache.watch({ resourceVersion: String(cache.resourceVersion) });
    expect(await nextEvent(noBookmarks, 200)).toBe('timeout');
    noBookmarks.close();
  });

  test('sendInitialEvents streams the current state as ADDED, then a BOOKMARK marked initial-events-end, then changes', async () => {
    const prefix = freshPrefix('initial');
    for (const name of ['a', 'b', 'c']) await storage.create(`${prefix}ns/${name}`, pod('ns', name));
    const cache = await started(prefix);
    const w = cache.watch({ sendInitialEvents: true, allowBookmarks: true });
    const first = await take(w, 4);
    expect(first.slice(0, 3).map((e) => `${e.type} ${(e.object as KubeObject).metadata?.name}`)).toEqual(['ADDED a', 'ADDED b', 'ADDED c']);
    expect(first[3]?.type).toBe('BOOKMARK');
    const meta = (first[3]?.object as KubeObject).metadata;
    expect(meta?.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(Number(meta?.resourceVersion)).toBeGreaterThanOrEqual(await storage.currentRevision());
    const d = await storage.create(`${prefix}ns/d`, pod('ns', 'd'));
    expect((await take(w, 1)).map(summarize)).toEqual([`ADDED ns/d@${d.modRevision}`]);
    w.close();
  });

  test('watching from a revision written under another prefix is exact; a revision storage has not reached times out with 504', async () => {
    const prefix = freshPrefix('future');
    const cache = await started(prefix, { futureRevisionTimeoutMs: 300 });
    const elsewhere = await storage.create(`${freshPrefix('other')}ns/x`, pod('ns', 'x'));
    expect(cache.resourceVersion).toBeLessThan(elsewhere.modRevision);
    const w = cache.watch({ resourceVersion: String(elsewhere.modRevision) });
    const mine = await storage.create(`${prefix}ns/a`, pod('ns', 'a'));
    expect((await take(w, 1)).map(summarize)).toEqual([`ADDED ns/a@${mine.modRevision}`]);
    w.close();

    // A NotOlderThan snapshot at that revision is proven fresh although this prefix never saw it.
    const snap = await cache.snapshotAtLeast(prefix, elsewhere.modRevision + 1, 2000);
    expect(snap.items.map((o) => o.decode().metadata?.name)).toEqual(['a']);

    const ahead = (await storage.currentRevision()) + 1000;
    const future = cache.watch({ resourceVersion: String(ahead) });
    const s = status(await nextEvent(future, 5000));
    expect(s.code).toBe(504);
    expect(s.reason).toBe('Timeout');
    expect(s.details?.causes?.[0]?.reason).toBe('ResourceVersionTooLarge');
    expect(await nextEvent(future, 1000)).toBe('end');
    await expect(cache.waitUntilFresh(ahead, 200)).rejects.toMatchObject({ code: 504 });
  });

  test('a watcher that stops reading is closed with an ERROR after its buffer fills, while the others get every event', async () => {
    const prefix = freshPrefix('slow');
    const cache = await started(prefix, { bufferPerWatcher: 20 });
    const rv0 = cache.resourceVersion;
    const slow = cache.watch({ resourceVersion: String(rv0) });
    const fast = cache.watch({ resourceVersion: String(rv0) });
    const received: string[] = [];
    const reading = (async () => {
      for (const ev of await take(fast, 40)) received.push(summarize(ev));
    })();
    const written: string[] = [];
    for (let i = 0; i < 40; i++) {
      const kv = await storage.create(`${prefix}ns/p${i}`, pod('ns', `p${i}`));
      written.push(`ADDED ns/p${i}@${kv.modRevision}`);
    }
    await reading;
    expect(received).toEqual(written);
    expect(cache.watcherCount).toBe(1);
    const s = status(await nextEvent(slow, 1000));
    expect(s.code).toBe(504);
    expect(await nextEvent(slow, 1000)).toBe('end');
    // Resuming from its last resourceVersion loses nothing.
    const resumed = cache.watch({ resourceVersion: String(rv0) });
    expect((await take(resumed, 40)).map(summarize)).toEqual(written);
    resumed.close();
    fast.close();
    expect(cache.watcherCount).toBe(0);
  });

  test('closing watchers releases them all, a blocked reader ends, and stop() closes the storage watch', async () => {
    const prefix = freshPrefix('release');
    const cache = await started(prefix);
    const ws: ApiWatcher[] = [];
    for (let i = 0; i < 50; i++) {
      ws.push(cache.watch({ resourceVersion: i % 2 ? '0' : String(cache.resourceVersion), allowBookmarks: i % 3 === 0, filter: () => true }));
    }
    expect(cache.watcherCount).toBe(50);
    const blocked = nextEvent(ws[0]!, 5000);
    for (const w of ws) w.close();
    expect(await blocked).toBe('end');
    expect(cache.watcherCount).toBe(0);
    expect(cache.storageWatchOpen).toBe(true);
    const pending = cache.watch({ resourceVersion: String(cache.resourceVersion) });
    const read = nextEvent(pending, 5000);
    await cache.stop();
    caches.splice(caches.indexOf(cache), 1);
    expect(await read).toBe('end');
    expect(cache.watcherCount).toBe(0);
    expect(cache.storageWatchOpen).toBe(false);
  });

  test('a consistent snapshot includes every write acknowledged before it, also after writes under other prefixes moved the revision on', async () => {
    const prefix = freshPrefix('consistent');
    const other = freshPrefix('consistent-other');
    const cache = await started(prefix);
    let last = 0;
    for (let i = 0; i < 12; i++) {
      const mine = await storage.create(`${prefix}ns/p${i}`, pod('ns', `p${i}`));
      if (i % 3 === 1) await storage.update(`${prefix}ns/p0`, pod('ns', 'p0', { v: String(i) }), (await storage.get(`${prefix}ns/p0`)).modRevision);
      if (i % 3 === 2) await storage.delete(`${prefix}ns/p${i - 1}`);
      if (i % 2 === 0) last = (await storage.create(`${other}ns/o${i}`, pod('ns', `o${i}`))).modRevision;
      const snap = await cache.consistentSnapshot(prefix, 5000);
      expect(snap).toBeDefined();
      const list = await storage.list(prefix);
      expect(snap!.items.map((c) => `${c.key}@${c.revision}`)).toEqual(list.items.map((kv) => `${kv.key}@${kv.modRevision}`));
      expect(snap!.resourceVersion).toBeGreaterThanOrEqual(Math.max(mine.modRevision, last));
    }
    // One namespace only: the proof covers that key range alone.
    await storage.create(`${prefix}zz/only`, pod('zz', 'only'));
    await storage.create(`${other}ns/after`, pod('ns', 'after'));
    const ns = await cache.consistentSnapshot(`${prefix}zz/`, 5000);
    expect(ns!.items.map((c) => c.key)).toEqual([`${prefix}zz/only`]);
  });

  test('an undecodable value counts in the consistency proof as the key it is', async () => {
    const prefix = freshPrefix('consistent-bad');
    const cache = await started(prefix);
    await storage.create(`${prefix}ns/bad`, Buffer.from('{nope'));
    const good = await storage.create(`${prefix}ns/good`, pod('ns', 'good'));
    await storage.create(`${freshPrefix('elsewhere')}ns/x`, pod('ns', 'x'));
    const snap = await cache.consistentSnapshot(prefix, 5000);
    expect(snap!.items.map((c) => `${c.key}@${c.revision}`)).toEqual([`${prefix}ns/good@${good.modRevision}`]);
  });

  if (backendName === 'sqlite') {
    test('under churn the bytes the cache holds stay bounded by its state and history, and every version it serves is intact', async () => {
      const prefix = freshPrefix('churn');
      const cache = await started(prefix, { historySize: 50 });
      const pad = 'y'.repeat(20_000);
      let cur = await storage.create(`${prefix}ns/hot`, pod('ns', 'hot', {}, { pad, n: 0 }));
      for (let i = 1; i <= 800; i++) cur = await storage.update(`${prefix}ns/hot`, pod('ns', 'hot', {}, { pad, n: i }), cur.modRevision);
      expect(await eventually(() => cache.resourceVersion === cur.modRevision)).toBe(true);
      // 16 MB were written; the state (1 object) and the history (50 versions) need ~1 MB.
      expect(cache.bytesHeld).toBeLessThan(12 * 1024 * 1024);
      const [only] = cache.snapshot(prefix).items;
      expect(only!.decode()).toMatchObject({ n: 800, pad, metadata: { resourceVersion: String(cur.modRevision) } });
      const w = cache.watch({ resourceVersion: String(cur.modRevision - 40) });
      const replay = await take(w, 40);
      expect(replay.map((e) => (e.object as KubeObject)['n'])).toEqual(Array.from({ length: 40 }, (_, i) => 761 + i));
      w.close();
    });
  }

  test('a quiet cache still ages out its history and gives back the bytes only that history held', async () => {
    const prefix = freshPrefix('quiet');
    const cache = await started(prefix, { historyMaxAgeMs: 300, housekeepingIntervalMs: 50 });
    const pad = 'z'.repeat(50_000);
    let cur = await storage.create(`${prefix}ns/q`, pod('ns', 'q', {}, { pad, n: 0 }));
    for (let i = 1; i <= 40; i++) cur = await storage.update(`${prefix}ns/q`, pod('ns', 'q', {}, { pad, n: i }), cur.modRevision);
    expect(await eventually(() => cache.resourceVersion === cur.modRevision)).toBe(true);
    // Nothing more is written: housekeeping alone trims to the newest change and compacts.
    expect(await eventually(() => cache.historyStart >= cur.modRevision - 1 && cache.bytesHeld < 200_000, 5000)).toBe(true);
    expect(cache.snapshot(prefix).items[0]!.decode()).toMatchObject({ n: 40, pad });
    // The newest change is still replayable from the ring.
    const w = cache.watch({ resourceVersion: String(cur.modRevision - 1) });
    expect((await take(w, 1)).map(summarize)).toEqual([`MODIFIED ns/q@${cur.modRevision}`]);
    w.close();
  });

  test('a value that does not decode is skipped and the watch continues', async () => {
    const prefix = freshPrefix('corrupt');
    const cache = await started(prefix);
    const w = cache.watch({ resourceVersion: String(cache.resourceVersion) });
    await storage.create(`${prefix}ns/bad`, Buffer.from('{not json'));
    const good = await storage.create(`${prefix}ns/good`, pod('ns', 'good'));
    expect((await take(w, 1)).map(summarize)).toEqual([`ADDED ns/good@${good.modRevision}`]);
    expect(cache.snapshot(prefix).items.map((o) => o.decode().metadata?.name)).toEqual(['good']);
    w.close();
  });

  if (backendName === 'etcd') {
    test('across an etcd restart, watchers continue with no gap and no duplicate', async () => {
      const prefix = freshPrefix('restart');
      const cache = await started(prefix);
      const rv0 = cache.resourceVersion;
      const w = cache.watch({ resourceVersion: String(rv0) });
      const write = async (i: number): Promise<void> => {
        for (let attempt = 0; attempt < 100; attempt++) {
          try {
            await storage.create(`${prefix}ns/p${i}`, pod('ns', `p${i}`));
            return;
          } catch (err) {
            // A create whose outcome was unknown may have committed: AlreadyExists is our own write.
            if ((err as { code?: string }).code === 'AlreadyExists') return;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        throw new Error(`write ${i} never succeeded`);
      };
      for (let i = 0; i < 5; i++) await write(i);
      await backend.etcd!.restart();
      for (let i = 5; i < 10; i++) await write(i);
      const finalRev = await storage.currentRevision();
      const raw = storage.watch(prefix, rv0);
      const expected = (await takeRawUntil(raw, finalRev)).map(summarizeRaw);
      raw.close();
      expect(expected).toHaveLength(10);
      expect((await take(w, 10, 15_000)).map(summarize)).toEqual(expected);
      expect(await nextEvent(w, 100)).toBe('timeout');
      w.close();
    }, 60_000);
  }
});
