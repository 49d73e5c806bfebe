/**
 * One client's watch on a WatchCache.
 *
 * Pull-based: the watcher keeps a cursor into the cache's shared history ring instead of a queue of
 * its own, so an idle watcher costs a few fields, and a slow reader costs nothing until it falls
 * `bufferLimit` events behind, at which point it is terminated with an ERROR event (never trimmed:
 * a gap would silently corrupt the client's cache).
 */
import type { WatchEvent, WatchStream } from '../storage/interface';
import type { ApiWatchEvent, ApiWatcher } from './types';
import type { RingBuffer } from './ring-buffer';
import type { HistoryEntry } from './history-entry';
import { CachedEvent, bookmarkEvent, errorEvent, tooOldResourceVersion } from './event-encoding';
import type { AttrFilter, CachedObject } from './cached-object';
import { isStorageError } from '../storage/errors';

/** What a watcher needs from its cache. */
export interface WatcherHost {
  readonly ring: RingBuffer<HistoryEntry>;
  /** Every change with a revision above this is still in the ring. */
  readonly historyStart: number;
  /** Revision of the last change applied to the cache (bookmarks may claim this much). */
  readonly cacheRevision: number;
  readonly objectKind: { apiVersion?: string; kind?: string };
  unregister(w: CacheWatcher): void;
  /** A raw storage watch from `revision`, for a resume older than the ring (see startBacklog). */
  openBacklog(revision: number): WatchStream;
  /** A storage event as the history entry the cache would have made of it (undefined if undecodable). */
  entryFromStorage(ev: WatchEvent): HistoryEntry | undefined;
}

export interface CacheWatcherOptions {
  keyPrefix: string;
  filter?: AttrFilter;
  allowBookmarks: boolean;
  bookmarkIntervalMs: number;
  bufferLimit: number;
  now: () => number;
}

/** Optional capability of our watchers: lets the HTTP layer stop waiting on a stuck socket. */
export interface StopNotifier {
  /** Call `listener` once when the watcher stops (closed or terminated); returns an unsubscribe. */
  onStop(listener: () => void): () => void;
}

export function hasStopNotifier(w: ApiWatcher): w is ApiWatcher & StopNotifier {
  return typeof (w as Partial<StopNotifier>).onStop === 'function';
}

export class CacheWatcher implements ApiWatcher, StopNotifier, AsyncIterator<ApiWatchEvent> {
  /** Sequence number of the next history entry to look at. */
  cursor: number;
  /** Lag is measured from here: history replayed at start is a backlog, not slowness. */
  private startSeq: number;
  /** Entries at or below this revision are skipped (already covered by the start point). */
  private minRevision: number;
  /** Revision of the last entry looked at, for bookmarks and error messages. */
  private lastRevision: number;
  private initial: readonly CachedObject[] | null = null;
  private initialIndex = 0;
  private endBookmark: number | null = null;
  private bookmarkDue = false;
  nextBookmarkAt: number;
  private preparing: Promise<void> | null = null;
  private finalEvent: ApiWatchEvent | null = null;
  private closed = false;
  private waiter: (() => void) | null = null;
  private stopListeners: Array<() => void> | null = null;
  /** While replaying from storage (resume older than the ring): the raw stream and its iterator. */
  private backlog: { stream: WatchStream; it: AsyncIterator<WatchEvent>; from: number } | null = null;

  constructor(
    private readonly host: WatcherHost,
    readonly opts: CacheWatcherOptions,
    start: { cursor: number; minRevision: number },
  ) {
    this.cursor = start.cursor;
    this.startSeq = start.cursor;
    this.minRevision = start.minRevision;
    this.lastRevision = start.minRevision;
    this.nextBookmarkAt = opts.now() + opts.bookmarkIntervalMs;
  }

  get allowBookmarks(): boolean {
    return this.opts.allowBookmarks;
  }

  /** True while blocked waiting for new history (i.e. caught up). */
  get waiting(): boolean {
    return this.waiter !== null;
  }

  get stopped(): boolean {
    return this.closed || this.finalEvent !== null;
  }

  /** Events appended since this watcher last read, not counting the backlog it started with. */
  lag(headSeq: number): number {
    // While preparing (waiting for freshness) the start point is not fixed yet; the ring bound still applies.
    if (this.preparing !== null || this.backlog !== null) return 0;
    return headSeq - Math.max(this.cursor, this.startSeq);
  }

  /** Run `prep` before any event is produced (freshness waits, snapshots); its error ends the watch. */
  prepare(prep: () => Promise<void>): void {
    this.preparing = prep().then(
      () => {
        this.preparing = null;
      },
      (err: unknown) => {
        this.preparing = null;
        this.terminate(errorEvent(err));
      },
    );
  }

  /** Replace the start point (used by prepare steps, before anything was delivered). */
  resetStart(cursor: number, minRevision: number, initial: readonly CachedObject[] | null, endBookmark: boolean): void {
    this.cursor = cursor;
    this.startSeq = cursor;
    this.minRevision = minRevision;
    this.lastRevision = minRevision;
    this.initial = initial;
    this.initialIndex = 0;
    this.endBookmark = endBookmark ? minRevision : null;
  }

  /**
   * Resume from a revision the ring no longer holds: replay storage's own history from there, and
   * switch to the ring at the first change the ring also covers. Storage answers Expired (-> 410)
   * when the revision was compacted, so a resume inside the compaction window never 410s.
   */
  startBacklog(revision: number): void {
    const stream = this.host.openBacklog(revision);
    this.backlog = { stream, it: stream[Symbol.asyncIterator](), from: revision };
    this.cursor = this.host.ring.headSeq;
    this.startSeq = this.cursor;
    this.minRevision = revision;
    this.lastRevision = revision;
  }

  /** Wake the consumer if it waits for new history. */
  notify(): void {
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w();
    }
  }

  markBookmarkDue(now: number): void {
    this.bookmarkDue = true;
    this.nextBookmarkAt = now + this.opts.bookmarkIntervalMs;
    this.notify();
  }

  /** End the watch with one final ERROR event (delivered next), releasing the cache's hold on it. */
  terminate(ev: ApiWatchEvent): void {
    if (this.stopped) return;
    this.finalEvent = ev;
    this.release();
    this.notify();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.finalEvent = null;
    this.release();
    this.notify();
  }

  onStop(listener: () => void): () => void {
    if (this.stopped) {
      queueMicrotask(listener);
      return () => undefined;
    }
    const listeners = (this.stopListeners ??= []);
    listeners.push(listener);
    return () => {
      const i = this.stopListeners?.indexOf(listener) ?? -1;
      if (i >= 0) this.stopListeners!.splice(i, 1);
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<ApiWatchEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<ApiWatchEvent>> {
    for (;;) {
      if (this.closed) return { value: undefined, done: true };
      if (this.finalEvent !== null) {
        const ev = this.finalEvent;
        this.closed = true;
        this.finalEvent = null;
        return { value: ev, done: false };
      }
      if (this.preparing !== null) {
        await this.preparing;
        continue;
      }
      if (this.backlog !== null) {
        const ev = await this.pullBacklog();
        if (ev !== undefined) return { value: ev, done: false };
        continue;
      }
      const ev = this.poll();
      if (ev !== undefined) return { value: ev, done: false };
      if (this.finalEvent !== null) continue;
      await new Promise<void>((resolve) => {
        // One consumer is the contract; if a second next() overlaps, wake both rather than strand one.
        const prev = this.waiter;
        this.waiter = prev === null ? resolve : () => (prev(), resolve());
      });
    }
  }

  async return(): Promise<IteratorResult<ApiWatchEvent>> {
    this.close();
    return { value: undefined, done: true };
  }

  private poll(): ApiWatchEvent | undefined {
    const { keyPrefix, filter } = this.opts;
    if (this.initial !== null) {
      while (this.initialIndex < this.initial.length) {
        const obj = this.initial[this.initialIndex++]!;
        if (filter === undefined || filter(obj.attrs)) return new CachedEvent('ADDED', obj, false);
      }
      this.initial = null;
    }
    if (this.endBookmark !== null) {
      const rv = this.endBookmark;
      this.endBookmark = null;
      return bookmarkEvent(this.host.objectKind, rv, true);
    }
    const ring = this.host.ring;
    if (this.cursor < ring.tailSeq) {
      // The history this watcher still needed was overwritten: continuing would leave a gap.
      this.terminate(errorEvent(tooOldResourceVersion(this.lastRevision, this.host.historyStart)));
      return undefined;
    }
    while (this.cursor < ring.headSeq) {
      const entry = ring.at(this.cursor++)!;
      if (entry.revision <= this.minRevision) continue;
      this.lastRevision = entry.revision;
      if (!entry.key.startsWith(keyPrefix)) continue;
      const view = entry.viewFor(filter);
      if (view !== undefined) return view;
    }
    if (this.bookmarkDue) {
      this.bookmarkDue = false;
      const rv = Math.max(this.lastRevision, this.host.cacheRevision);
      this.lastRevision = rv;
      return bookmarkEvent(this.host.objectKind, rv);
    }
    return undefined;
  }

  /** One step of the storage replay: an event to deliver, or undefined (filtered, switched, ended). */
  private async pullBacklog(): Promise<ApiWatchEvent | undefined> {
    const b = this.backlog!;
    let r: IteratorResult<WatchEvent>;
    try {
      r = await b.it.next();
    } catch (err) {
      this.endBacklog();
      // Word the 410 with the client's resourceVersion, as kube does (not the backend's start revision).
      this.terminate(errorEvent(isStorageError(err, 'Expired') ? tooOldResourceVersion(b.from, err.revision ?? this.host.historyStart) : err));
      return undefined;
    }
    if (this.backlog !== b) return undefined; // closed meanwhile
    if (r.done) {
      this.endBacklog();
      if (!this.stopped) this.terminate(errorEvent(new Error('storage watch ended during replay')));
      return undefined;
    }
    const entry = this.host.entryFromStorage(r.value);
    const rev = r.value.modRevision;
    if (rev >= this.host.historyStart) {
      // The ring holds (or, if this stream is ahead of the cache's, will hold) every change after
      // `rev`: continue from there without storage; changes up to `rev` are skipped by revision.
      this.endBacklog();
      this.cursor = this.host.ring.lowerBound((e) => e.revision <= rev);
      this.startSeq = this.cursor;
      this.minRevision = rev;
    }
    this.lastRevision = rev;
    if (entry === undefined || !entry.key.startsWith(this.opts.keyPrefix)) return undefined;
    return entry.viewFor(this.opts.filter);
  }

  private endBacklog(): void {
    const b = this.backlog;
    this.backlog = null;
    b?.stream.close();
  }

  private release(): void {
    this.endBacklog();
    this.initial = null;
    this.host.unregister(this);
    const listeners = this.stopListeners;
    this.stopListeners = null;
    if (listeners !== null) for (const l of listeners) l();
  }
}
