/**
 * The watch contract between the registry / watch cache and the HTTP layer.
 */
import type { KubeObject } from '../api/types';
import type { Status } from '../api/errors';

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
