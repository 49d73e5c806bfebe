/**
 * One change in the watch cache's history, shared by every watcher that replays it.
 *
 * The per-watcher views an entry can take (the event as is; ADDED when an update makes the object
 * start matching a selector; DELETED when it stops matching) are built once, lazily, and then
 * shared, so their JSON lines are cached once too.
 */
import type { KubeObject } from '../api/types';
import type { ApiWatchEvent } from './types';
import { forgetEventBytes } from './event-encoding';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export class HistoryEntry {
  /** When the cache applied this change (clock ms), for the history's age bound. */
  appliedAt = 0;
  private addedView?: ApiWatchEvent;
  private deletedView?: ApiWatchEvent;
  readonly event: ApiWatchEvent;

  constructor(
    readonly revision: number,
    readonly key: string,
    readonly type: ChangeType,
    /** New state; for DELETED the last state, with resourceVersion = the delete's revision. */
    readonly object: KubeObject,
    /** The cached state before this change (undefined for a create, or when it was unknown). */
    readonly prevObject: KubeObject | undefined,
  ) {
    this.event = { type, object };
  }

  /** Release the cached wire encodings of this entry's views (they are rebuilt on demand). */
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
  viewFor(filter: ((obj: KubeObject) => boolean) | undefined): ApiWatchEvent | undefined {
    if (filter === undefined) return this.event;
    if (this.type !== 'MODIFIED') return filter(this.object) ? this.event : undefined;
    const now = filter(this.object);
    const before = this.prevObject !== undefined && filter(this.prevObject);
    if (now && before) return this.event;
    if (now) return (this.addedView ??= { type: 'ADDED', object: this.object });
    if (before) return (this.deletedView ??= { type: 'DELETED', object: withResourceVersion(this.prevObject!, this.revision) });
    return undefined;
  }
}

/** A shallow copy with metadata.resourceVersion replaced (the cached object itself is shared and never mutated). */
export function withResourceVersion(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}
