/**
 * One change in the watch cache's history, shared by every watcher that replays it.
 *
 * The per-watcher views an entry can take (the event as is; ADDED when an update makes the object
 * start matching a selector; DELETED when it stops matching) are built once, lazily, and then
 * shared, so their JSON lines are cached once too.
 */
import type { ApiWatchEvent } from './types';
import { CachedEvent, forgetEventBytes, type ObjectEventType } from './event-encoding';
import type { AttrFilter, CachedObject } from './cached-object';

export type ChangeType = ObjectEventType;

export class HistoryEntry {
  /** When the cache applied this change (clock ms), for the history's age bound. */
  appliedAt = 0;
  private addedView?: CachedEvent;
  private deletedView?: CachedEvent;
  readonly event: CachedEvent;

  constructor(
    readonly revision: number,
    readonly key: string,
    readonly type: ChangeType,
    /** New state; for DELETED the last state, with resourceVersion = the delete's revision. */
    readonly object: CachedObject,
    /** The cached state before this change (undefined for a create, or when it was unknown). */
    readonly prevObject: CachedObject | undefined,
  ) {
    this.event = new CachedEvent(type, object);
  }

  /** Release the cached wire encodings (and decoded copies) of this entry's views (rebuilt on demand). */
  forgetEncodings(): void {
    forgetEventBytes(this.event);
    if (this.addedView) forgetEventBytes(this.addedView);
    if (this.deletedView) forgetEventBytes(this.deletedView);
  }

  /**
   * What a watcher with `filter` sees of this change: the shared event, a transition event, or
   * nothing. Mirrors kube's cacheWatcher: an update that makes the object stop matching is a
   * DELETED of the previous state (stamped with this revision), one that makes it match is ADDED.
   */
  viewFor(filter: AttrFilter | undefined): ApiWatchEvent | undefined {
    if (filter === undefined) return this.event;
    if (this.type !== 'MODIFIED') return filter(this.object.attrs) ? this.event : undefined;
    const now = filter(this.object.attrs);
    const before = this.prevObject !== undefined && filter(this.prevObject.attrs);
    if (now && before) return this.event;
    if (now) return (this.addedView ??= new CachedEvent('ADDED', this.object));
    if (before) return (this.deletedView ??= new CachedEvent('DELETED', this.prevObject!.withRevision(this.revision)));
    return undefined;
  }
}
