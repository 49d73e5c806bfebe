/**
 * The watch contract between the registry / watch cache and the HTTP layer.
 */
import type { KubeObject } from '../api/types';
import type { Status } from '../api/errors';
import type { CachedObject } from './cached-object';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One event as sent on the wire: `{"type": ..., "object": ...}`. */
export interface ApiWatchEvent {
  type: WatchEventType;
  object: KubeObject | Status;
}

/**
 * A server-side watch. Iterating yields events in resourceVersion order; iteration ends when the
 * watch is closed (client gone, timeout, server shutdown) or after an ERROR event (e.g. 410 Expired,
 * or a slow consumer that overflowed its bounded buffer).
 */
export interface ApiWatcher extends AsyncIterable<ApiWatchEvent> {
  /** Stop and release every resource held for this watcher. Idempotent. */
  close(): void;
}

/** The cache's state at one moment: objects under a key prefix, in key order, and their revision. */
export interface CacheSnapshot {
  items: CachedObject[];
  resourceVersion: number;
}

/** Synchronous reads of a running watch cache. */
export interface CacheReader {
  /** The revision the cached state is known to be at. */
  readonly resourceVersion: number;
  /** The cached object at `key` (its `revision` says which version), if any. */
  peek(key: string): CachedObject | undefined;
  snapshot(keyPrefix: string): CacheSnapshot;
}
