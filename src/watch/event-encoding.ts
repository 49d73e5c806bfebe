/**
 * Wire encoding of watch events, done once per event for all watchers.
 *
 * The watch cache hands the same ApiWatchEvent object to every watcher that sees it unchanged, so a
 * WeakMap keyed by the event caches its JSON line: N watchers cost one JSON.stringify (kube saw a
 * real CPU and allocation win from the same trick, kubernetes#81914). Entries vanish with the event.
 */
import type { ApiWatchEvent } from './types';
import type { KubeObject } from '../api/types';
import { errors, isApiError, type ApiError } from '../api/errors';
import { isStorageError } from '../storage/errors';

const lines = new WeakMap<ApiWatchEvent, Buffer>();

/**
 * `{"type":...,"object":...}\n` as UTF-8 bytes, cached per event object. Bytes rather than a
 * string, so writing it to N sockets does not re-encode it N times.
 */
export function eventBytes(ev: ApiWatchEvent): Buffer {
  let line = lines.get(ev);
  if (line === undefined) {
    line = Buffer.from(JSON.stringify(ev) + '\n');
    lines.set(ev, line);
  }
  return line;
}

/** Drop a cached line (the watch cache does this once an event is old, to bound memory). */
export function forgetEventBytes(ev: ApiWatchEvent): void {
  lines.delete(ev);
}

/** The same line as a string. */
export function eventLine(ev: ApiWatchEvent): string {
  return eventBytes(ev).toString('utf8');
}

/** Annotation kube puts on the bookmark that ends the initial events of a streaming list. */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

/** A BOOKMARK carries only kind, apiVersion and metadata.resourceVersion (plus the end marker). */
export function bookmarkEvent(
  kind: { apiVersion?: string; kind?: string },
  resourceVersion: number,
  initialEventsEnd = false,
): ApiWatchEvent {
  const object: KubeObject = {
    kind: kind.kind,
    apiVersion: kind.apiVersion,
    metadata: initialEventsEnd
      ? { resourceVersion: String(resourceVersion), annotations: { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } }
      : { resourceVersion: String(resourceVersion) },
  };
  return { type: 'BOOKMARK', object };
}

/** An ERROR event carrying the Status of `err` (ApiError as-is, storage codes mapped like kube). */
export function errorEvent(err: unknown): ApiWatchEvent {
  return { type: 'ERROR', object: toApiError(err).status };
}

export function toApiError(err: unknown): ApiError {
  if (isApiError(err)) return err;
  if (isStorageError(err)) {
    switch (err.code) {
      case 'Expired':
        return errors.expired(err.message);
      case 'TooLargeResourceVersion':
        return errors.resourceVersionTooLarge(err.message);
      case 'Unavailable':
        return errors.serviceUnavailable(err.message);
      case 'Timeout':
        return errors.timeout(err.message);
      default:
        break;
    }
  }
  return errors.internal(err);
}

/** The 410 a watcher gets when the history it needs is gone, worded as kube's. */
export function tooOldResourceVersion(requested: number, oldest: number): ApiError {
  return errors.expired(`too old resource version: ${requested} (${oldest})`);
}
