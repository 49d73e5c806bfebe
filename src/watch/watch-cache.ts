/**
 * The watch cache: one storage watch per resource prefix, fanned out to any number of watchers.
 *
 * It keeps the current objects (for resourceVersion=0 / NotOlderThan lists and initial events) and
 * a bounded ring of recent changes, from which watchers start and resume without touching storage.
 * Objects are kept as their JSON bytes plus selector attributes (CachedObject), decoded once on the
 * way in and never again to be listed, filtered or sent.
 * Semantics follow kube-apiserver's cacher: RV unset/"0" replays current state as ADDED, RV=N
 * delivers exactly the changes after N, an N older than the history gets one 410 ERROR event.
 *
 * Freshness: the cache only sees revisions of its own prefix, so a revision written elsewhere can be
 * ahead of it. Watches from such an N are still exact (changes at or below N are skipped by revision);
 * only snapshots that must be "not older than N" (and consistent reads) need proof, which comes from
 * a current-revision read plus, when that is ahead, a keys-only list compared against the cache
 * (storage-notes.md §5: do not rely on etcd progress notifications on 3.4.23).
 */
import type { KeyValue, Storage, WatchEvent, WatchStream } from '../storage/interface';
import { isStorageError } from '../storage/errors';
import { errors } from '../api/errors';
import { log } from '../util/log';
import type { ApiWatcher, CacheReader, CacheSnapshot } from './types';
import { RingBuffer } from './ring-buffer';
import { ObjectStore } from './object-store';
import { HistoryEntry, type ChangeType } from './history-entry';
import { JsonArena } from './json-arena';
import type { AttrFilter, CachedObject } from './cached-object';
import { CacheWatcher, type WatcherHost } from './cache-watcher';
import { errorEvent, tooOldResourceVersion } from './event-encoding';

export interface WatchCacheLogger {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

export interface WatchCacheOptions {
  storage: Storage;
  /** Storage key prefix of the resource, e.g. "/registry/pods/". */
  prefix: string;
  /**
   * Stored bytes -> the cached form (JSON with metadata.resourceVersion = kv.modRevision, plus
   * selector attributes); undefined = not an object of this resource (logged, skipped).
   */
  decode: (kv: KeyValue) => CachedObject | undefined;
  /** Changes kept for resuming watchers (kube: up to 102,400 events / 75 s). */
  historySize?: number;
  /**
   * Changes older than this are dropped too (kube: 75 s; 0 = count bound only), so a quiet prefix
   * does not pin old object versions. Older resumes replay from storage (see storageReplay).
   */
  historyMaxAgeMs?: number;
  /** How often a quiet cache ages out history and gives back memory (default 5 s). */
  housekeepingIntervalMs?: number;
  /** Events a watcher may fall behind before it is closed with an ERROR. */
  bufferPerWatcher?: number;
  /** kind/apiVersion stamped on BOOKMARK objects. */
  objectKind?: { apiVersion: string; kind: string };
  /**
   * Resume watches older than the ring from storage's history (default true), so a restarted
   * server or a long-disconnected client gets no 410 inside the compaction window. false = kube's
   * behaviour: 410 for anything the ring does not hold.
   */
  storageReplay?: boolean;
  /** Page size for the initial list and re-lists. */
  listPageSize?: number;
  /** How long a watch from a future resourceVersion waits before its 504 (kube: 3 s). */
  futureRevisionTimeoutMs?: number;
  logger?: WatchCacheLogger;
  clock?: { now(): number };
}

export interface CacheWatchOptions {
  resourceVersion?: string;
  /** Only keys under this prefix (e.g. one namespace); defaults to the whole resource. */
  keyPrefix?: string;
  filter?: AttrFilter;
  sendInitialEvents?: boolean;
  allowBookmarks?: boolean;
  /** kube sends bookmarks about once a minute. */
  bookmarkIntervalMs?: number;
}


const DEFAULT_HISTORY = 10_000;
const DEFAULT_BUFFER = 1_000;
const DEFAULT_BOOKMARK_MS = 60_000;
const DEFAULT_HISTORY_AGE_MS = 75_000;
const MAX_BACKOFF_MS = 2_000;
/** How long a consistent read waits for changes storage has and the cache has not yet applied. */
const CONSISTENT_WAIT_MS = 100;
/**
 * Encoded lines are kept for this many recent events only: fan-out reads the newest ones at once,
 * while lagging watchers re-encode the rare old one. Bounds the byte cache to ~this × object size.
 */
const ENCODED_WINDOW = 1024;
/** How often a quiet cache ages out history, releases old encodings and sweeps its arena. */
const HOUSEKEEPING_MS = 5_000;
/** Encoded lines older than this are released even when no newer events push them out. */
const ENCODED_MAX_AGE_MS = 10_000;

export type { CacheSnapshot } from './types';

export class WatchCache implements WatcherHost, CacheReader {
  readonly ring: RingBuffer<HistoryEntry>;
  historyStart = 0;
  /** Revision of the last change applied (or of the last (re)list). */
  cacheRevision = 0;
  /** Keys whose change at cacheRevision is applied; 'all' after a list at that revision. */
  private appliedAtRevision: Set<string> | 'all' = 'all';
  private readonly store = new ObjectStore();
  /** Where the cached objects' bytes live (see json-arena.ts). */
  private arena = new JsonArena();
  private readonly watchers = new Set<CacheWatcher>();
  /** A revision proven (by a list compare) to have the same state as the cache. */
  private confirmedRevision = 0;
  /** While cacheRevision is below this, changes older than a confirmation are still arriving. */
  private settlingUntil = 0;
  private stream: WatchStream | null = null;
  private stopped = false;
  private started = false;
  private pump: Promise<void> | null = null;
  private bookmarkTimer: NodeJS.Timeout | null = null;
  private housekeepingTimer: NodeJS.Timeout | null = null;
  /** History entries below this sequence number had their encodings released by housekeeping. */
  private encodingsReleasedTo = 0;
  private bookmarkTick = 1000;
  private bookmarkWatchers = 0;
  private progressWaiters = new Set<() => void>();
  private readonly historySize: number;
  private readonly bufferPerWatcher: number;
  private readonly logger: WatchCacheLogger;
  private readonly now: () => number;
  private readonly kindHint: { apiVersion?: string; kind?: string };
  private lastSnapshot: { prefix: string; seq: number; rv: number; items: readonly CachedObject[] } | null = null;
  /** Keys whose latest value did not decode, with its revision (they count in freshness compares). */
  private readonly undecodable = new Map<string, number>();

  constructor(private readonly opts: WatchCacheOptions) {
    this.historySize = opts.historySize ?? DEFAULT_HISTORY;
    this.bufferPerWatcher = opts.bufferPerWatcher ?? DEFAULT_BUFFER;
    this.ring = new RingBuffer<HistoryEntry>(this.historySize);
    this.logger = opts.logger ?? {
      info: (m, meta) => log.info(m, meta),
      warn: (m, meta) => log.warn(m, meta),
    };
    const clock = opts.clock;
    this.now = clock ? () => clock.now() : Date.now;
    this.kindHint = opts.objectKind ?? {};
  }

  get objectKind(): { apiVersion?: string; kind?: string } {
    return this.kindHint;
  }

  /** The revision the cache's current state is known to be at. */
  get resourceVersion(): number {
    if (this.cacheRevision < this.settlingUntil) return this.cacheRevision;
    return Math.max(this.cacheRevision, this.confirmedRevision);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Number of objects in the cache. */
  get size(): number {
    return this.store.size;
  }

  /** Bytes of JSON the cache holds in its arena, including versions not yet swept away. */
  get bytesHeld(): number {
    return this.arena.residentBytes;
  }

  /** True while a storage watch is open (for leak checks). */
  get storageWatchOpen(): boolean {
    return this.stream !== null;
  }

  /** List at one revision, then watch storage from it. Resolves once the state is loaded. */
  async start(): Promise<void> {
    if (this.started) throw new Error('WatchCache already started');
    this.started = true;
    let revision: number;
    try {
      revision = await this.relist();
    } catch (err) {
      this.started = false; // storage down at startup: the caller may retry
      throw err;
    }
    this.stream = this.opts.storage.watch(this.opts.prefix, revision);
    this.pump = this.runPump();
    if (this.stopped) return;
    this.housekeepingTimer = setInterval(() => this.housekeeping(), this.opts.housekeepingIntervalMs ?? HOUSEKEEPING_MS);
    this.housekeepingTimer.unref();
  }

  /** Stop the storage watch and end every watcher (clean end, as on server shutdown). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stream?.close();
    for (const w of [...this.watchers]) w.close();
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    this.bookmarkTimer = null;
    if (this.housekeepingTimer) clearInterval(this.housekeepingTimer);
    this.housekeepingTimer = null;
    for (const wake of this.progressWaiters) wake();
    await this.pump;
  }

  /** Current objects under keyPrefix in key order, and the revision they are at. */
  snapshot(keyPrefix: string = this.opts.prefix): CacheSnapshot {
    return { items: this.store.values(keyPrefix), resourceVersion: this.resourceVersion };
  }

  /** The cached object at `key`, if the cache holds one (its `revision` says which version). */
  peek(key: string): CachedObject | undefined {
    return this.store.get(key);
  }

  /**
   * The initial-events array for a new watcher. Watchers that start together (an informer fleet
   * reconnecting) share one array while nothing changed, instead of one copy of the state each.
   */
  private sharedSnapshot(keyPrefix: string): readonly CachedObject[] {
    const s = this.lastSnapshot;
    if (s !== null && s.prefix === keyPrefix && s.seq === this.ring.headSeq && s.rv === this.resourceVersion) return s.items;
    const items = this.store.values(keyPrefix);
    this.lastSnapshot = { prefix: keyPrefix, seq: this.ring.headSeq, rv: this.resourceVersion, items };
    return items;
  }

  /**
   * Resolves when the cache state is at least at `rv`. Rejects with kube's 504 "Too large resource
   * version" when storage itself has not reached `rv` within `timeoutMs`.
   */
  async waitUntilFresh(rv: number, timeoutMs: number = this.opts.futureRevisionTimeoutMs ?? 3000): Promise<void> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      if (this.resourceVersion >= rv) return;
      if (this.stopped) throw errors.serviceUnavailable('watch cache stopped');
      const current = await this.opts.storage.currentRevision();
      if (this.resourceVersion >= rv) return;
      if (current >= rv && (await this.confirmIdleUpTo(current))) {
        if (this.resourceVersion >= rv) return;
        continue;
      }
      const left = deadline - this.now();
      if (left <= 0) {
        throw errors.resourceVersionTooLarge(`Too large resource version: ${rv}, current: ${Math.min(current, this.resourceVersion)}`);
      }
      await this.nextProgress(Math.min(left, current >= rv ? 10 : 50));
    }
  }

  /** waitUntilFresh then snapshot, re-checking in case older changes were still being applied. */
  async snapshotAtLeast(keyPrefix: string, rv: number, timeoutMs: number = this.opts.futureRevisionTimeoutMs ?? 3000): Promise<CacheSnapshot> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      await this.waitUntilFresh(rv, Math.max(0, deadline - this.now()));
      const s = this.snapshot(keyPrefix);
      if (s.resourceVersion >= rv) return s;
      await this.nextProgress(10);
    }
  }

  /** The object at `key` once the cache has reached `rv` (undefined: absent at that state). */
  async getAtLeast(key: string, rv: number, timeoutMs: number = this.opts.futureRevisionTimeoutMs ?? 3000): Promise<CachedObject | undefined> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      if (this.resourceVersion >= rv) return this.store.get(key);
      await this.waitUntilFresh(rv, Math.max(0, deadline - this.now()));
      if (this.resourceVersion >= rv) return this.store.get(key);
      await this.nextProgress(10);
    }
  }

  watch(o: CacheWatchOptions = {}): ApiWatcher {
    const keyPrefix = o.keyPrefix ?? this.opts.prefix;
    const interval = o.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_MS;
    const w = new CacheWatcher(
      this,
      {
        keyPrefix,
        filter: o.filter,
        allowBookmarks: o.allowBookmarks === true,
        bookmarkIntervalMs: interval,
        bufferLimit: this.bufferPerWatcher,
        now: this.now,
      },
      { cursor: this.ring.headSeq, minRevision: this.cacheRevision },
    );
    if (this.stopped) {
      w.terminate(errorEvent(errors.serviceUnavailable('watch cache stopped')));
      return w;
    }
    this.watchers.add(w);
    if (w.allowBookmarks) {
      this.bookmarkWatchers++;
      this.ensureBookmarkTimer(interval);
    }

    const rvText = o.resourceVersion ?? '';
    const rv = rvText === '' ? 0 : Number(rvText);
    if (!Number.isSafeInteger(rv) || rv < 0) {
      w.terminate(errorEvent(errors.badRequest(`invalid resource version: ${rvText}`)));
      return w;
    }
    const initial = o.sendInitialEvents ?? (rvText === '' || rv === 0);
    const withEndBookmark = o.sendInitialEvents === true;

    if (initial) {
      const fromSnapshot = (): void => {
        w.resetStart(this.ring.headSeq, this.resourceVersion, this.sharedSnapshot(keyPrefix), withEndBookmark);
      };
      if (rvText !== '' && rv <= this.resourceVersion) fromSnapshot();
      else {
        // RV unset means "consistent": at least storage's current revision; RV=N: not older than N.
        w.prepare(async () => {
          const target = rvText === '' ? await this.opts.storage.currentRevision() : rv;
          await this.snapshotAtLeast(keyPrefix, target);
          fromSnapshot();
        });
      }
      return w;
    }

    if (rvText === '' || rv === 0) {
      // sendInitialEvents=false: "start at the most recent" with no replay of current state.
      w.resetStart(this.ring.headSeq, this.resourceVersion, null, false);
      return w;
    }
    if (rv < this.historyStart) {
      // Older than the ring: replay from storage's history (410 only if storage compacted it).
      if (this.opts.storageReplay === false) w.terminate(errorEvent(tooOldResourceVersion(rv, this.historyStart)));
      else w.startBacklog(rv);
      return w;
    }
    if (rv <= this.cacheRevision) {
      const cursor = this.ring.lowerBound((e) => e.revision <= rv);
      w.resetStart(cursor, rv, null, false);
      return w;
    }
    // Ahead of this prefix's last change: exact anyway (changes <= rv are skipped), but rv must exist.
    w.resetStart(this.ring.headSeq, rv, null, false);
    w.prepare(() => this.waitForStorageRevision(rv));
    return w;
  }

  unregister(w: CacheWatcher): void {
    if (!this.watchers.delete(w)) return;
    if (w.allowBookmarks) this.bookmarkWatchers--;
    if (this.bookmarkTimer && this.bookmarkWatchers === 0) {
      clearInterval(this.bookmarkTimer);
      this.bookmarkTimer = null;
    }
  }

  openBacklog(revision: number): WatchStream {
    return this.opts.storage.watch(this.opts.prefix, revision);
  }

  entryFromStorage(ev: WatchEvent): HistoryEntry | undefined {
    const kv: KeyValue = { key: ev.key, value: ev.value, createRevision: ev.createRevision, modRevision: ev.modRevision };
    const obj = this.decodeSafe(kv);
    if (obj === undefined) return undefined;
    if (ev.type === 'delete') return new HistoryEntry(ev.modRevision, ev.key, 'DELETED', obj, undefined);
    const prev =
      ev.prevValue !== undefined
        ? this.decodeSafe({ key: ev.key, value: ev.prevValue, createRevision: ev.createRevision, modRevision: ev.modRevision })
        : undefined;
    return new HistoryEntry(ev.modRevision, ev.key, ev.isCreate ? 'ADDED' : 'MODIFIED', obj, prev);
  }

  // --- storage side -------------------------------------------------------------------------------

  /** Load the whole prefix at one revision (paged), replacing the state. Returns that revision. */
  private async relist(): Promise<number> {
    const { storage, prefix } = this.opts;
    const pageSize = this.opts.listPageSize ?? 1000;
    const fresh = new ObjectStore();
    const arena = new JsonArena();
    const badValues = new Map<string, number>();
    let revision = 0;
    let continueFrom: string | undefined;
    for (;;) {
      const page = await storage.list(prefix, { limit: pageSize, continueFrom, atRevision: revision || undefined });
      revision = page.revision;
      for (const kv of page.items) {
        const obj = this.decodeSafe(kv);
        if (obj !== undefined) fresh.set(kv.key, arena.adopt(obj));
        else badValues.set(kv.key, kv.modRevision);
      }
      if (!page.more || page.items.length === 0) break;
      continueFrom = page.items[page.items.length - 1]!.key;
    }
    this.store.clear();
    for (const [k, o] of fresh.entries('')) this.store.set(k, o);
    this.arena = arena;
    this.undecodable.clear();
    for (const [k, r] of badValues) this.undecodable.set(k, r);
    this.lastSnapshot = null;
    this.ring.clear();
    this.historyStart = revision;
    this.cacheRevision = revision;
    this.appliedAtRevision = 'all';
    this.confirmedRevision = revision;
    this.settlingUntil = 0;
    return revision;
  }

  private async runPump(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      const stream = this.stream!;
      try {
        for await (const ev of stream) {
          this.apply(ev);
          backoff = 100;
        }
        if (this.stopped) break;
        this.logger.warn('watch cache: storage watch ended; reopening', { prefix: this.opts.prefix, revision: this.cacheRevision });
      } catch (err) {
        if (this.stopped) break;
        stream.close();
        if (isStorageError(err, 'Expired')) {
          this.logger.warn('watch cache: history compacted past the cache; re-listing', { prefix: this.opts.prefix, revision: this.cacheRevision });
          if (!(await this.resync())) break;
          continue;
        }
        this.logger.warn('watch cache: storage watch failed; resuming', {
          prefix: this.opts.prefix,
          revision: this.cacheRevision,
          error: err instanceof Error ? err.message : String(err),
        });
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      if (this.stopped) break;
      // Resume exactly where the cache is: watchers continue with no gap.
      this.stream = this.opts.storage.watch(this.opts.prefix, this.cacheRevision);
    }
    this.stream?.close();
    this.stream = null;
  }

  /**
   * The changes after cacheRevision are gone from storage: re-list, and end every watcher with a
   * 410 (their continuity cannot be guaranteed), so their clients re-list too. False if stopped.
   */
  private async resync(): Promise<boolean> {
    let backoff = 100;
    for (;;) {
      if (this.stopped) return false;
      try {
        const before = this.cacheRevision;
        const revision = await this.relist();
        for (const w of [...this.watchers]) w.terminate(errorEvent(tooOldResourceVersion(before, revision)));
        this.stream = this.opts.storage.watch(this.opts.prefix, revision);
        this.wakeProgress();
        return true;
      } catch (err) {
        this.logger.warn('watch cache: re-list failed', { prefix: this.opts.prefix, error: err instanceof Error ? err.message : String(err) });
        await sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private apply(ev: WatchEvent): void {
    // A resumed storage watch starts after cacheRevision; anything below it is a duplicate. One
    // revision may carry several keys (a transaction or range delete from another etcd client):
    // at cacheRevision only a key already applied there is a duplicate.
    if (ev.modRevision < this.cacheRevision) return;
    if (ev.modRevision === this.cacheRevision && (this.appliedAtRevision === 'all' || this.appliedAtRevision.has(ev.key))) return;
    if (ev.modRevision > this.cacheRevision || this.appliedAtRevision === 'all') this.appliedAtRevision = new Set([ev.key]);
    else this.appliedAtRevision.add(ev.key);
    const prev = this.store.get(ev.key);
    const kv: KeyValue = { key: ev.key, value: ev.value, createRevision: ev.createRevision, modRevision: ev.modRevision };
    let type: ChangeType;
    const decoded = this.decodeSafe(kv);
    let obj = decoded && this.arena.adopt(decoded);
    if (ev.type === 'delete') {
      type = 'DELETED';
      this.store.delete(ev.key);
      this.undecodable.delete(ev.key);
      if (obj === undefined && prev !== undefined) obj = this.arena.adopt(prev.withRevision(ev.modRevision));
    } else {
      type = ev.isCreate ? 'ADDED' : 'MODIFIED';
      if (obj === undefined) {
        this.store.delete(ev.key);
        this.undecodable.set(ev.key, ev.modRevision);
      } else {
        this.store.set(ev.key, obj);
        this.undecodable.delete(ev.key);
      }
    }
    if (ev.modRevision <= this.confirmedRevision) this.settlingUntil = this.confirmedRevision;
    this.cacheRevision = ev.modRevision;
    if (obj === undefined) {
      this.wakeProgress();
      return;
    }
    const entry = new HistoryEntry(ev.modRevision, ev.key, type, obj, prev);
    const now = this.now();
    entry.appliedAt = now;
    const evicted = this.ring.push(entry);
    if (evicted !== undefined) this.historyStart = evicted.revision;
    this.ageOutHistory(now);
    this.ring.at(this.ring.headSeq - 1 - ENCODED_WINDOW)?.forgetEncodings();
    if (this.arena.sweepDue) this.sweepArena();
    const head = this.ring.headSeq;
    for (const w of this.watchers) {
      if (w.waiting) w.notify();
      else if (w.lag(head) > this.bufferPerWatcher) {
        w.terminate(
          errorEvent(
            errors.timeout(`watch closed: the client fell more than ${this.bufferPerWatcher} events behind; resume from the last resourceVersion`),
          ),
        );
      }
    }
    this.wakeProgress();
  }

  /** Drop history older than the age bound; never the newest entry (watchers just before it need it). Returns how many. */
  private ageOutHistory(now: number): number {
    const maxAge = this.opts.historyMaxAgeMs ?? DEFAULT_HISTORY_AGE_MS;
    if (maxAge <= 0) return 0;
    const newest = this.ring.at(this.ring.headSeq - 1);
    let dropped = 0;
    for (let old = this.ring.at(this.ring.tailSeq); old !== undefined && old !== newest && now - old.appliedAt > maxAge; old = this.ring.at(this.ring.tailSeq)) {
      this.ring.shift();
      this.historyStart = old.revision;
      dropped++;
    }
    return dropped;
  }

  /**
   * What a quiet cache would otherwise only do on its next change: age out history, release old
   * event encodings (fan-out has long used them), and let the arena give back what that freed.
   */
  private housekeeping(): void {
    const now = this.now();
    const dropped = this.ageOutHistory(now);
    let seq = Math.max(this.ring.tailSeq, this.encodingsReleasedTo);
    for (let e = this.ring.at(seq); e !== undefined && now - e.appliedAt > ENCODED_MAX_AGE_MS; e = this.ring.at(++seq)) e.forgetEncodings();
    this.encodingsReleasedTo = seq;
    if (dropped > 0 || this.arena.sweepDue) this.sweepArena();
  }

  /** Let the arena drop the bytes of versions neither the state nor the history holds any more. */
  private sweepArena(): void {
    const live = new Set<CachedObject>(this.store.raw().values());
    for (let seq = this.ring.tailSeq; seq < this.ring.headSeq; seq++) {
      const e = this.ring.at(seq)!;
      live.add(e.object);
      if (e.prevObject !== undefined) live.add(e.prevObject);
    }
    this.arena.sweep(live);
  }

  private decodeSafe(kv: KeyValue): CachedObject | undefined {
    let obj: CachedObject | undefined;
    try {
      obj = this.opts.decode(kv);
    } catch (err) {
      obj = undefined;
      this.logger.warn('watch cache: decode threw', { key: kv.key, error: err instanceof Error ? err.message : String(err) });
    }
    if (obj === undefined) {
      this.logger.warn('watch cache: skipping undecodable value', { key: kv.key, revision: kv.modRevision });
      return undefined;
    }
    return obj;
  }

  // --- freshness ----------------------------------------------------------------------------------

  /**
   * True when the cache state equals storage's state at `revision`, proven by listing the prefix's
   * keys at it with no change applied meanwhile; then the cache may claim `revision`.
   */
  private async confirmIdleUpTo(revision: number): Promise<boolean> {
    const seqBefore = this.ring.headSeq;
    const revBefore = this.cacheRevision;
    const items = await this.listKeys(this.opts.prefix, revision);
    if (this.ring.headSeq !== seqBefore || this.cacheRevision !== revBefore) return false;
    if (!this.matchesStorage(this.opts.prefix, items)) return false;
    if (revision > this.confirmedRevision) this.confirmedRevision = revision;
    return true;
  }

  /**
   * A consistent read from the cache (kube's ConsistentListFromCache): the objects under keyPrefix
   * at a state no older than storage's current revision at the call. Proven either by the cache
   * having reached that revision, or, when writes elsewhere moved the revision on, by a keys-only
   * list of the prefix matching the cache key for key (same keys, same modRevisions), allowing
   * `waitMs` for changes still on their way to the cache. Undefined when not proven: the caller
   * reads storage (etcd 3.4.23's progress notifications are not trusted for this, storage-notes §5).
   */
  async consistentSnapshot(keyPrefix: string, waitMs = CONSISTENT_WAIT_MS): Promise<CacheSnapshot | undefined> {
    const current = await this.opts.storage.currentRevision();
    if (this.resourceVersion >= current) return this.snapshot(keyPrefix);
    const at = await this.opts.storage.list(keyPrefix, { keysOnly: true });
    if (at.more) return undefined;
    const deadline = this.now() + waitMs;
    for (;;) {
      if (this.resourceVersion >= at.revision) return this.snapshot(keyPrefix);
      if (this.matchesStorage(keyPrefix, at.items)) {
        // The whole prefix matching proves the whole cache current at that revision: later reads
        // skip the list until storage moves on (changes still in flight make it settle, see apply).
        if (keyPrefix === this.opts.prefix && at.revision > this.confirmedRevision) this.confirmedRevision = at.revision;
        return { items: this.store.values(keyPrefix), resourceVersion: at.revision };
      }
      const left = deadline - this.now();
      if (left <= 0 || this.stopped) return undefined;
      await this.nextProgress(Math.min(left, 10));
    }
  }

  /** Keys and modRevisions under `prefix` at `revision` (values are not needed). */
  private async listKeys(prefix: string, revision: number): Promise<Array<{ key: string; modRevision: number }>> {
    const out: Array<{ key: string; modRevision: number }> = [];
    let continueFrom: string | undefined;
    const pageSize = this.opts.listPageSize ?? 1000;
    for (;;) {
      const page = await this.opts.storage.list(prefix, { limit: pageSize, continueFrom, atRevision: revision, keysOnly: true });
      for (const kv of page.items) out.push({ key: kv.key, modRevision: kv.modRevision });
      if (!page.more || page.items.length === 0) break;
      continueFrom = page.items[page.items.length - 1]!.key;
    }
    return out;
  }

  /**
   * True when the cache's keys under `prefix` are exactly `items`, each at the same modRevision
   * (undecodable values count, at the revision they were seen): then the states are equal.
   */
  private matchesStorage(prefix: string, items: ReadonlyArray<{ key: string; modRevision: number }>): boolean {
    let undecodable = 0;
    for (const key of this.undecodable.keys()) if (key.startsWith(prefix)) undecodable++;
    if (this.store.count(prefix) + undecodable !== items.length) return false;
    for (const kv of items) {
      const c = this.store.get(kv.key);
      if (c !== undefined ? c.revision !== kv.modRevision : this.undecodable.get(kv.key) !== kv.modRevision) return false;
    }
    return true;
  }

  /** For watches from a revision beyond this prefix's last change: that revision must exist. */
  private async waitForStorageRevision(rv: number): Promise<void> {
    const deadline = this.now() + (this.opts.futureRevisionTimeoutMs ?? 3000);
    for (;;) {
      if (this.cacheRevision >= rv) return;
      const current = await this.opts.storage.currentRevision();
      if (current >= rv) return;
      const left = deadline - this.now();
      if (left <= 0) throw errors.resourceVersionTooLarge(`Too large resource version: ${rv}, current: ${current}`);
      await this.nextProgress(Math.min(left, 50));
    }
  }

  private nextProgress(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.progressWaiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.progressWaiters.add(done);
    });
  }

  private wakeProgress(): void {
    if (this.progressWaiters.size === 0) return;
    for (const wake of [...this.progressWaiters]) wake();
  }

  // --- bookmarks ----------------------------------------------------------------------------------

  private ensureBookmarkTimer(intervalMs: number): void {
    const tick = Math.max(10, Math.min(1000, intervalMs));
    if (this.bookmarkTimer && tick >= this.bookmarkTick) return;
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    this.bookmarkTick = tick;
    this.bookmarkTimer = setInterval(() => this.dispatchBookmarks(), tick);
    this.bookmarkTimer.unref();
  }

  private dispatchBookmarks(): void {
    const now = this.now();
    for (const w of this.watchers) {
      if (w.allowBookmarks && now >= w.nextBookmarkAt) w.markBookmarkDue(now);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
