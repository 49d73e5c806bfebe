/**
 * The one contract suite every Storage backend runs (sqlite, etcd, ...). It pins the etcd-like
 * semantics the registry and the watch cache rely on; see src/storage/interface.ts.
 *
 * Usage, in a `*.test.ts` file:
 *   runStorageSuite('etcd', async () => ({ storage, restart, cleanup }));
 *
 * The factory is called once per test (beforeEach) and `cleanup` after it (afterEach). It may hand
 * out a fresh backend each time or share one across tests: every test works under its own unique
 * key prefix and never assumes absolute revision numbers. It does assume that nobody else writes to
 * the backend while a test runs (revision arithmetic such as "+1 per write"), and tests compact.
 *
 * `restart` (close and reopen the same data, like a process restart) is required by the restart
 * test; a backend that cannot restart passes `{ restart: false }` as the third argument, and the
 * test is then not registered at all.
 */
import type { KeyValue, Storage, WatchEvent, WatchStream } from '../../src/storage/interface';
import { MAX_VALUE_BYTES } from '../../src/storage/interface';
import type { StorageError, StorageErrorCode } from '../../src/storage/errors';
import { isStorageError } from '../../src/storage/errors';
import { guaranteedUpdate } from '../../src/storage/guaranteed-update';

export interface StorageHarness {
  storage: Storage;
  /** Close and reopen the same data (process restart); returns the new Storage. */
  restart?: () => Promise<Storage>;
  cleanup: () => Promise<void>;
}

export interface StorageSuiteOptions {
  /** Set false when the backend cannot restart; the restart test is then not registered. */
  restart?: boolean;
}

const WAIT_MS = 10_000;

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');
const str = (b: Buffer): string => b.toString('utf8');

/** Resolves with `p`, or rejects after `ms` so no test can hang on a missing event. */
async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Awaits `p` and asserts it rejects with a StorageError of `code`. */
async function expectCode(p: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  let result: unknown;
  try {
    result = await withTimeout(p, WAIT_MS, `a ${code} error`);
  } catch (err) {
    if (!isStorageError(err)) throw err;
    expect(err.code).toBe(code);
    return err;
  }
  throw new Error(`expected StorageError ${code}, but the call succeeded with ${JSON.stringify(result)}`);
}

/** Reads a watch one event at a time with bounded waits. */
class WatchReader {
  private readonly it: AsyncIterator<WatchEvent>;
  constructor(readonly stream: WatchStream) {
    this.it = stream[Symbol.asyncIterator]();
  }

  async next(ms = WAIT_MS): Promise<WatchEvent> {
    const r = await withTimeout(this.it.next(), ms, 'a watch event');
    if (r.done === true) throw new Error('watch ended although events were expected');
    return r.value;
  }

  async take(n: number, ms = WAIT_MS): Promise<WatchEvent[]> {
    const deadline = Date.now() + ms;
    const out: WatchEvent[] = [];
    while (out.length < n) out.push(await this.next(Math.max(1, deadline - Date.now())));
    return out;
  }

  /** Resolves when the iteration ends normally (done), rejects with its error, or times out. */
  async end(ms = WAIT_MS): Promise<IteratorResult<WatchEvent>> {
    return withTimeout(this.it.next(), ms, 'the watch to end');
  }

  close(): void {
    this.stream.close();
  }
}

/** Asserts a watch from `from` fails with Expired (at watch() or at the first next()), never skipping. */
async function expectWatchExpired(storage: Storage, prefix: string, from: number): Promise<void> {
  let stream: WatchStream;
  try {
    stream = storage.watch(prefix, from);
  } catch (err) {
    if (!isStorageError(err)) throw err;
    expect(err.code).toBe('Expired');
    return;
  }
  try {
    const first = await expectCode(stream[Symbol.asyncIterator]().next(), 'Expired');
    expect(first.code).toBe('Expired');
  } finally {
    stream.close();
  }
}

const summary = (kv: KeyValue): { key: string; value: string; modRevision: number; createRevision: number } => ({
  key: kv.key,
  value: str(kv.value),
  modRevision: kv.modRevision,
  createRevision: kv.createRevision,
});

const eventSummary = (e: WatchEvent): { type: string; key: string; value: string; modRevision: number } => ({
  type: e.type,
  key: e.key,
  value: str(e.value),
  modRevision: e.modRevision,
});

let suiteCounter = 0;

export function runStorageSuite(
  name: string,
  factory: () => Promise<StorageHarness>,
  options: StorageSuiteOptions = {},
): void {
  describe(`Storage contract: ${name}`, () => {
    let h: StorageHarness;
    let s: Storage;
    let p: string;
    let readers: WatchReader[] = [];

    const watch = (prefix: string, from: number): WatchReader => {
      const r = new WatchReader(s.watch(prefix, from));
      readers.push(r);
      return r;
    };

    beforeEach(async () => {
      h = await factory();
      s = h.storage;
      suiteCounter += 1;
      p = `/contract/${name}/${process.pid}-${Date.now().toString(36)}-${suiteCounter}/`;
      readers = [];
    });

    afterEach(async () => {
      for (const r of readers) r.close();
      await h.cleanup();
    });

    // ---- get / create / update / delete -------------------------------------------------------

    it('get of a missing key throws NotFound, also after the key was deleted', async () => {
      await expectCode(s.get(`${p}missing`), 'NotFound');
      await s.create(`${p}gone`, buf('x'));
      await s.delete(`${p}gone`);
      await expectCode(s.get(`${p}gone`), 'NotFound');
    });

    it('create stores the bytes with createRevision = modRevision = the new revision', async () => {
      const r0 = await s.currentRevision();
      const kv = await s.create(`${p}a`, buf('hello'));
      expect(kv).toMatchObject({ key: `${p}a`, createRevision: r0 + 1, modRevision: r0 + 1 });
      expect(str(kv.value)).toBe('hello');
      const got = await s.get(`${p}a`);
      expect(summary(got)).toEqual({ key: `${p}a`, value: 'hello', createRevision: r0 + 1, modRevision: r0 + 1 });
      expect(Buffer.isBuffer(got.value)).toBe(true);
    });

    it('every write advances the global revision by exactly one and modRevision is the resourceVersion', async () => {
      const r0 = await s.currentRevision();
      const c = await s.create(`${p}k`, buf('1'));
      expect(c.modRevision).toBe(r0 + 1);
      const u = await s.update(`${p}k`, buf('2'), c.modRevision);
      expect(u.modRevision).toBe(r0 + 2);
      expect(u.createRevision).toBe(r0 + 1);
      expect(summary(await s.get(`${p}k`))).toEqual({ key: `${p}k`, value: '2', createRevision: r0 + 1, modRevision: r0 + 2 });
      const d = await s.delete(`${p}k`);
      expect(d.modRevision).toBe(r0 + 3);
      const again = await s.create(`${p}k`, buf('3'));
      expect(again.createRevision).toBe(r0 + 4);
      expect(await s.currentRevision()).toBe(r0 + 4);
    });

    it('create of an existing key fails with AlreadyExists, keeps the value and consumes no revision', async () => {
      await s.create(`${p}a`, buf('first'));
      const r = await s.currentRevision();
      await expectCode(s.create(`${p}a`, buf('second')), 'AlreadyExists');
      expect(str((await s.get(`${p}a`)).value)).toBe('first');
      expect(await s.currentRevision()).toBe(r);
    });

    it('of 50 concurrent creates of one key exactly one wins and the others get AlreadyExists', async () => {
      const r0 = await s.currentRevision();
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => s.create(`${p}race`, buf(`v${i}`))));
      const won = results.filter((r): r is PromiseFulfilledResult<KeyValue> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const l of lost) expect(isStorageError(l.reason, 'AlreadyExists')).toBe(true);
      expect(str((await s.get(`${p}race`)).value)).toBe(str(won[0].value.value));
      expect(await s.currentRevision()).toBe(r0 + 1);
    });

    it('update fails with Conflict on a stale modRevision and stores nothing', async () => {
      const c = await s.create(`${p}k`, buf('1'));
      const u = await s.update(`${p}k`, buf('2'), c.modRevision);
      const r = await s.currentRevision();
      await expectCode(s.update(`${p}k`, buf('stale'), c.modRevision), 'Conflict');
      expect(summary(await s.get(`${p}k`))).toEqual(summary(u));
      expect(await s.currentRevision()).toBe(r);
    });

    it('update of a missing key fails with NotFound, also for a deleted key', async () => {
      await expectCode(s.update(`${p}nope`, buf('x'), 1), 'NotFound');
      const c = await s.create(`${p}k`, buf('1'));
      await s.delete(`${p}k`);
      await expectCode(s.update(`${p}k`, buf('2'), c.modRevision), 'NotFound');
    });

    it('delete returns the last value with the delete revision, and consumes one revision', async () => {
      const c = await s.create(`${p}k`, buf('1'));
      const u = await s.update(`${p}k`, buf('last'), c.modRevision);
      const d = await s.delete(`${p}k`);
      expect(d.key).toBe(`${p}k`);
      expect(str(d.value)).toBe('last');
      expect(d.modRevision).toBe(u.modRevision + 1);
      expect(d.createRevision).toBe(c.createRevision);
      expect(await s.currentRevision()).toBe(u.modRevision + 1);
      await expectCode(s.get(`${p}k`), 'NotFound');
    });

    it('delete with a stale expectedModRevision fails with Conflict and keeps the key; a matching one deletes', async () => {
      const c = await s.create(`${p}k`, buf('1'));
      const u = await s.update(`${p}k`, buf('2'), c.modRevision);
      const r = await s.currentRevision();
      await expectCode(s.delete(`${p}k`, { expectedModRevision: c.modRevision }), 'Conflict');
      expect(await s.currentRevision()).toBe(r);
      expect(summary(await s.get(`${p}k`))).toEqual(summary(u));
      const d = await s.delete(`${p}k`, { expectedModRevision: u.modRevision });
      expect(str(d.value)).toBe('2');
      expect(d.modRevision).toBe(r + 1);
    });

    it('delete of a missing key fails with NotFound, also the second delete of a key', async () => {
      await expectCode(s.delete(`${p}nope`), 'NotFound');
      await expectCode(s.delete(`${p}nope`, { expectedModRevision: 1 }), 'NotFound');
      await s.create(`${p}k`, buf('1'));
      await s.delete(`${p}k`);
      const r = await s.currentRevision();
      await expectCode(s.delete(`${p}k`), 'NotFound');
      expect(await s.currentRevision()).toBe(r);
    });

    it('values larger than MAX_VALUE_BYTES fail with RequestEntityTooLarge and store nothing; 1 MiB is fine', async () => {
      const big = Buffer.alloc(MAX_VALUE_BYTES + 1, 0x61);
      const r0 = await s.currentRevision();
      await expectCode(s.create(`${p}big`, big), 'RequestEntityTooLarge');
      await expectCode(s.get(`${p}big`), 'NotFound');
      const c = await s.create(`${p}small`, buf('small'));
      await expectCode(s.update(`${p}small`, big, c.modRevision), 'RequestEntityTooLarge');
      expect(summary(await s.get(`${p}small`))).toEqual(summary(c));
      expect(await s.currentRevision()).toBe(r0 + 1);
      const mib = Buffer.alloc(1024 * 1024, 0x62);
      await s.create(`${p}mib`, mib);
      expect((await s.get(`${p}mib`)).value.equals(mib)).toBe(true);
    });

    // ---- list / count -------------------------------------------------------------------------

    it('list returns the keys under a prefix sorted by key, at the current revision', async () => {
      const names = ['m', 'a', 'z', 'b/c', 'b', 'aa', 'A', '0'];
      for (const n of names) await s.create(`${p}${n}`, buf(`v-${n}`));
      const res = await s.list(p);
      expect(res.items.map((kv) => kv.key)).toEqual([...names].sort().map((n) => `${p}${n}`));
      for (const kv of res.items) expect(str(kv.value)).toBe(`v-${kv.key.slice(p.length)}`);
      expect(res.revision).toBe(await s.currentRevision());
      expect(res.more).toBe(false);
      const got = await s.get(`${p}m`);
      expect(summary(res.items.find((kv) => kv.key === `${p}m`) as KeyValue)).toEqual(summary(got));
    });

    it('a prefix does not match a sibling that shares its bytes (/a/ vs /ab/), in list, count and watch', async () => {
      const r0 = await s.currentRevision();
      const w = watch(`${p}a/`, r0);
      await s.create(`${p}ab/x`, buf('ab'));
      await s.create(`${p}a`, buf('bare'));
      await s.create(`${p}a/x`, buf('a1'));
      await s.create(`${p}a/y/z`, buf('a2'));
      await s.create(`${p}b/x`, buf('b'));
      const res = await s.list(`${p}a/`);
      expect(res.items.map((kv) => kv.key)).toEqual([`${p}a/x`, `${p}a/y/z`]);
      expect(await s.count(`${p}a/`)).toBe(2);
      expect(await s.count(`${p}ab/`)).toBe(1);
      const evs = await w.take(2);
      expect(evs.map((e) => e.key)).toEqual([`${p}a/x`, `${p}a/y/z`]);
      await s.create(`${p}a/sentinel`, buf('s'));
      expect((await w.next()).key).toBe(`${p}a/sentinel`);
    });

    it('count returns the number of live keys under a prefix', async () => {
      expect(await s.count(p)).toBe(0);
      for (let i = 0; i < 12; i++) await s.create(`${p}k${i}`, buf(String(i)));
      const c = await s.get(`${p}k3`);
      await s.update(`${p}k3`, buf('x'), c.modRevision);
      await s.delete(`${p}k4`);
      await s.delete(`${p}k5`);
      expect(await s.count(p)).toBe(10);
      expect(await s.count(`${p}k1`)).toBe(3); // k1, k10, k11
    });

    it('paging with limit, continueFrom and atRevision yields one consistent snapshot while writes happen between pages', async () => {
      const key = (i: number): string => `${p}k${String(i).padStart(3, '0')}`;
      for (let i = 0; i < 60; i++) await s.create(key(i), buf(`v0-${i}`));
      const expected = (await s.list(p)).items.map(summary);
      expect(expected).toHaveLength(60);

      const deleted = new Set<string>();
      const collected: KeyValue[] = [];
      let page = await s.list(p, { limit: 7 });
      const rev = page.revision;
      let pages = 1;
      collected.push(...page.items);
      while (page.more) {
        expect(page.items).toHaveLength(7);
        // Writes between pages: ahead of the cursor, behind it, and brand-new keys in the remaining range.
        const n = collected.length;
        for (const i of [n + 1, n - 3]) {
          const k = key(i);
          if (i < 0 || i >= 60 || deleted.has(k)) continue;
          const cur = await s.get(k);
          await s.update(k, buf(`changed-${i}`), cur.modRevision);
        }
        if (n + 4 < 60 && !deleted.has(key(n + 4))) {
          await s.delete(key(n + 4));
          deleted.add(key(n + 4));
        }
        await s.create(`${key(n + 2)}-new`, buf('new'));
        page = await s.list(p, { limit: 7, continueFrom: collected[collected.length - 1].key, atRevision: rev });
        expect(page.revision).toBe(rev);
        collected.push(...page.items);
        pages += 1;
        expect(pages).toBeLessThanOrEqual(20);
      }
      expect(collected.map(summary)).toEqual(expected);
      expect(pages).toBe(9);
      // The latest state did change: the snapshot really was a snapshot.
      const latest = await s.list(p);
      expect(latest.revision).toBeGreaterThan(rev);
      expect(latest.items.map(summary)).not.toEqual(expected);
    });

    it('list atRevision returns the state at that past revision', async () => {
      const a = await s.create(`${p}a`, buf('a1'));
      await s.create(`${p}b`, buf('b1'));
      const r1 = await s.currentRevision();
      await s.update(`${p}a`, buf('a2'), a.modRevision);
      await s.delete(`${p}b`);
      await s.create(`${p}c`, buf('c1'));
      const past = await s.list(p, { atRevision: r1 });
      expect(past.revision).toBe(r1);
      expect(past.items.map((kv) => [kv.key, str(kv.value)])).toEqual([
        [`${p}a`, 'a1'],
        [`${p}b`, 'b1'],
      ]);
      const now = await s.list(p);
      expect(now.items.map((kv) => [kv.key, str(kv.value)])).toEqual([
        [`${p}a`, 'a2'],
        [`${p}c`, 'c1'],
      ]);
    });

    it('list atRevision above the current revision fails with TooLargeResourceVersion', async () => {
      await s.create(`${p}a`, buf('a'));
      const r = await s.currentRevision();
      await expectCode(s.list(p, { atRevision: r + 1000 }), 'TooLargeResourceVersion');
    });

    it('list atRevision below the compaction point fails with Expired, also for a page in flight; at the point it works', async () => {
      const k1 = await s.create(`${p}k1`, buf('v1'));
      const r1 = await s.currentRevision();
      await s.create(`${p}k0`, buf('v0'));
      const r2 = (await s.update(`${p}k1`, buf('v2'), k1.modRevision)).modRevision;
      const firstPage = await s.list(p, { limit: 1 });
      expect(firstPage.more).toBe(true);
      await s.create(`${p}k2`, buf('later'));
      await s.compact(r2);
      expect(await s.compactedRevision()).toBe(r2);
      await expectCode(s.list(p, { atRevision: r1 }), 'Expired');
      await expectCode(s.list(p, { atRevision: r2 - 1 }), 'Expired');
      const atPoint = await s.list(p, { atRevision: r2 });
      expect(atPoint.items.map((kv) => [kv.key, str(kv.value)])).toEqual([
        [`${p}k0`, 'v0'],
        [`${p}k1`, 'v2'],
      ]);
      expect((await s.list(p)).items).toHaveLength(3);
      // A continue page taken at a revision older than the compaction is expired too.
      await s.update(`${p}k2`, buf('later2'), (await s.get(`${p}k2`)).modRevision);
      const r3 = await s.currentRevision();
      await s.compact(r3);
      await expectCode(
        s.list(p, { limit: 1, continueFrom: firstPage.items[0].key, atRevision: firstPage.revision }),
        'Expired',
      );
      expect((await s.get(`${p}k1`)).modRevision).toBe(r2);
    });

    it('compactedRevision reports the compaction point, and compacting lower is a no-op', async () => {
      await s.create(`${p}a`, buf('1'));
      const r1 = await s.currentRevision();
      await s.create(`${p}b`, buf('2'));
      const r2 = await s.currentRevision();
      await s.compact(r2);
      expect(await s.compactedRevision()).toBe(r2);
      await s.compact(r1);
      expect(await s.compactedRevision()).toBe(r2);
      expect((await s.list(p)).items.map((kv) => kv.key)).toEqual([`${p}a`, `${p}b`]);
    });

    // ---- watch --------------------------------------------------------------------------------

    it('watch from a revision delivers exactly the events after it: puts and deletes with prevValue and isCreate', async () => {
      const before = await s.create(`${p}old`, buf('old'));
      const from = before.modRevision;
      const w = watch(p, from);
      const c = await s.create(`${p}k`, buf('1'));
      const u = await s.update(`${p}k`, buf('2'), c.modRevision);
      const d = await s.delete(`${p}k`);
      const c2 = await s.create(`${p}k`, buf('3'));
      const [e1, e2, e3, e4] = await w.take(4);

      expect(eventSummary(e1)).toEqual({ type: 'put', key: `${p}k`, value: '1', modRevision: c.modRevision });
      expect(e1.isCreate).toBe(true);
      expect(e1.prevValue).toBeUndefined();
      expect(e1.createRevision).toBe(c.modRevision);

      expect(eventSummary(e2)).toEqual({ type: 'put', key: `${p}k`, value: '2', modRevision: u.modRevision });
      expect(e2.isCreate).toBe(false);
      expect(str(e2.prevValue as Buffer)).toBe('1');
      expect(e2.createRevision).toBe(c.modRevision);

      expect(eventSummary(e3)).toEqual({ type: 'delete', key: `${p}k`, value: '2', modRevision: d.modRevision });
      expect(e3.isCreate).toBe(false);
      expect(str(e3.prevValue as Buffer)).toBe('2');
      expect(e3.createRevision).toBe(c.modRevision);

      expect(eventSummary(e4)).toEqual({ type: 'put', key: `${p}k`, value: '3', modRevision: c2.modRevision });
      expect(e4.isCreate).toBe(true);
      expect(e4.createRevision).toBe(c2.modRevision);

      // A watch from a past revision replays exactly the same events.
      const replay = watch(p, from);
      const replayed = await replay.take(4);
      const full = (e: WatchEvent): unknown => ({
        ...eventSummary(e),
        prevValue: e.prevValue === undefined ? undefined : str(e.prevValue),
        isCreate: e.isCreate,
        createRevision: e.createRevision,
      });
      expect(replayed.map(full)).toEqual([e1, e2, e3, e4].map(full));
      // Nothing else was queued: the next event on both is the next write.
      await s.create(`${p}sentinel`, buf('s'));
      expect((await w.next()).key).toBe(`${p}sentinel`);
      expect((await replay.next()).key).toBe(`${p}sentinel`);
    });

    it('watch from 0 starts from now: earlier events are not delivered', async () => {
      await s.create(`${p}before`, buf('b'));
      const w = watch(p, 0);
      const after = await s.create(`${p}after`, buf('a'));
      const e = await w.next();
      expect(e.key).toBe(`${p}after`);
      expect(e.modRevision).toBe(after.modRevision);
    });

    it('watch replay and live delivery have no gap and no duplicate under 10 concurrent writers x 200 writes', async () => {
      const WRITERS = 10;
      const WRITES = 200;
      const TOTAL = WRITERS * WRITES;
      // A real past revision to replay from (0 would mean "from now").
      const r0 = (await s.create(`${p}start`, buf('start'))).modRevision;
      const live = watch(p, r0);
      type Ack = { type: 'put' | 'delete'; key: string; value: string; modRevision: number; isCreate: boolean };
      const acks: Ack[] = [];
      const writer = async (w: number): Promise<void> => {
        const state = new Map<string, number>();
        for (let i = 0; i < WRITES; i++) {
          const key = `${p}w${w}/k${i % 5}`;
          const cur = state.get(key);
          const value = `w${w}-i${i}`;
          if (cur === undefined) {
            const kv = await s.create(key, buf(value));
            state.set(key, kv.modRevision);
            acks.push({ type: 'put', key, value, modRevision: kv.modRevision, isCreate: true });
          } else if (i % 7 === 0) {
            const kv = await s.delete(key, { expectedModRevision: cur });
            state.delete(key);
            acks.push({ type: 'delete', key, value: str(kv.value), modRevision: kv.modRevision, isCreate: false });
          } else {
            const kv = await s.update(key, buf(value), cur);
            state.set(key, kv.modRevision);
            acks.push({ type: 'put', key, value, modRevision: kv.modRevision, isCreate: false });
          }
        }
      };
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
      const rEnd = await s.currentRevision();
      expect(rEnd).toBe(r0 + TOTAL);
      acks.sort((a, b) => a.modRevision - b.modRevision);
      expect(acks.map((a) => a.modRevision)).toEqual(Array.from({ length: TOTAL }, (_, i) => r0 + 1 + i));

      const check = (events: WatchEvent[], expected: Ack[]): void => {
        expect(events.map((e) => e.modRevision)).toEqual(expected.map((a) => a.modRevision));
        expect(events.map((e) => ({ ...eventSummary(e), isCreate: e.isCreate }))).toEqual(expected);
      };
      check(await live.take(TOTAL, 60_000), acks);

      // History replay from the start and from the middle gives the same sequence.
      check(await watch(p, r0).take(TOTAL, 60_000), acks);
      const mid = r0 + TOTAL / 2;
      check(await watch(p, mid).take(TOTAL / 2, 60_000), acks.slice(TOTAL / 2));

      // Folding the events gives exactly the final list.
      const folded = new Map<string, { value: string; modRevision: number }>();
      for (const a of acks) {
        if (a.type === 'delete') folded.delete(a.key);
        else folded.set(a.key, { value: a.value, modRevision: a.modRevision });
      }
      folded.set(`${p}start`, { value: 'start', modRevision: r0 });
      const list = await s.list(p);
      expect(list.revision).toBe(rEnd);
      expect(list.items.map((kv) => [kv.key, str(kv.value), kv.modRevision])).toEqual(
        [...folded.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, v.value, v.modRevision]),
      );

      // No duplicate was queued after the last event.
      const sentinel = await s.create(`${p}sentinel`, buf('s'));
      expect((await live.next()).modRevision).toBe(sentinel.modRevision);
    });

    it('watch from a compacted revision fails with Expired instead of skipping events', async () => {
      const a = await s.create(`${p}a`, buf('1'));
      await s.update(`${p}a`, buf('2'), a.modRevision);
      await s.create(`${p}b`, buf('3'));
      const r = await s.currentRevision();
      await s.compact(r);
      // (fromRevision 0 means "from now", so probe with real past revisions only.)
      await expectWatchExpired(s, p, a.modRevision);
      await expectWatchExpired(s, p, r - 2);
      // From the compaction point itself the history is intact.
      const w = watch(p, r);
      const next = await s.create(`${p}c`, buf('4'));
      expect((await w.next()).modRevision).toBe(next.modRevision);
    });

    it('compaction does not break a live watch above the compaction point', async () => {
      const r0 = await s.currentRevision();
      const w = watch(p, r0);
      const first: number[] = [];
      for (let i = 0; i < 5; i++) first.push((await s.create(`${p}a${i}`, buf(String(i)))).modRevision);
      expect((await w.take(5)).map((e) => e.modRevision)).toEqual(first);
      const point = await s.currentRevision();
      await s.compact(point);
      const fromPoint = watch(p, point);
      const second: number[] = [];
      for (let i = 0; i < 5; i++) {
        const cur = await s.get(`${p}a${i}`);
        second.push((await s.update(`${p}a${i}`, buf(`x${i}`), cur.modRevision)).modRevision);
      }
      const evs = await w.take(5);
      expect(evs.map((e) => e.modRevision)).toEqual(second);
      expect(evs.map((e) => str(e.prevValue as Buffer))).toEqual(['0', '1', '2', '3', '4']);
      const replayed = await fromPoint.take(5);
      expect(replayed.map((e) => e.modRevision)).toEqual(second);
      // The previous values lived at or below the compaction point and are still reported.
      expect(replayed.map((e) => str(e.prevValue as Buffer))).toEqual(['0', '1', '2', '3', '4']);
    });

    it('closing a watch ends its iteration normally, and close is idempotent', async () => {
      const w = watch(p, 0);
      const c = await s.create(`${p}a`, buf('1'));
      expect((await w.next()).modRevision).toBe(c.modRevision);
      const ending = w.end();
      w.close();
      w.close();
      expect((await ending).done).toBe(true);
    });

    // ---- guaranteedUpdate ---------------------------------------------------------------------

    it('guaranteedUpdate retries on conflict: N concurrent increments of a counter yield exactly N', async () => {
      const N = 25;
      const c = await s.create(`${p}counter`, buf('0'));
      const inc = (): Promise<KeyValue> =>
        guaranteedUpdate(s, `${p}counter`, (cur) => buf(String(Number(str((cur as KeyValue).value)) + 1)), { maxRetries: 200 });
      await Promise.all(Array.from({ length: N }, inc));
      const final = await s.get(`${p}counter`);
      expect(str(final.value)).toBe(String(N));
      // Exactly N successful writes: failed CAS attempts consume no revision.
      expect(final.modRevision).toBe(c.modRevision + N);

      // With allowCreate, concurrent first writers of an absent key also converge.
      const M = 10;
      await Promise.all(
        Array.from({ length: M }, () =>
          guaranteedUpdate(s, `${p}fresh`, (cur) => buf(String(cur === undefined ? 1 : Number(str(cur.value)) + 1)), {
            allowCreate: true,
            maxRetries: 200,
          }),
        ),
      );
      expect(str((await s.get(`${p}fresh`)).value)).toBe(String(M));
    });

    // ---- restart ------------------------------------------------------------------------------

    if (options.restart !== false) {
      it('after a restart every acknowledged write is present, history and compaction survive, and the revision continues', async () => {
        if (h.restart === undefined) throw new Error(`harness for ${name} has no restart(); pass { restart: false } to skip`);
        const expected = new Map<string, string>();
        await Promise.all(
          Array.from({ length: 40 }, async (_, i) => {
            await s.create(`${p}k${i}`, buf(`v${i}`));
            expected.set(`${p}k${i}`, `v${i}`);
          }),
        );
        const compactAt = await s.currentRevision();
        for (let i = 0; i < 10; i++) {
          const cur = await s.get(`${p}k${i}`);
          await s.update(`${p}k${i}`, buf(`u${i}`), cur.modRevision);
          expected.set(`${p}k${i}`, `u${i}`);
        }
        const mid = await s.currentRevision();
        for (let i = 10; i < 15; i++) {
          await s.delete(`${p}k${i}`);
          expected.delete(`${p}k${i}`);
        }
        await s.compact(compactAt);
        const before = await s.currentRevision();

        s = await h.restart();

        expect(await s.currentRevision()).toBe(before);
        expect(await s.compactedRevision()).toBe(compactAt);
        const list = await s.list(p);
        expect(list.items.map((kv) => [kv.key, str(kv.value)])).toEqual(
          [...expected.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        );
        const replay = watch(p, mid);
        const deletes = await replay.take(5);
        expect(deletes.map((e) => [e.type, e.key])).toEqual(
          [10, 11, 12, 13, 14].map((i) => ['delete', `${p}k${i}`]),
        );
        const next = await s.create(`${p}after`, buf('a'));
        expect(next.modRevision).toBe(before + 1);
        expect((await replay.next()).modRevision).toBe(before + 1);
      });
    }
  });
}
