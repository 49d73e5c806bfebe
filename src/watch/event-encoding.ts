/**
 * Wire encoding of watch events, done once per event for all watchers.
 *
 * The watch cache hands the same ApiWatchEvent object to every watcher that sees it unchanged, so a
 * WeakMap keyed by the event caches its JSON line: N watchers cost one encoding (kube saw a real
 * CPU and allocation win from the same trick, kubernetes#81914). Entries vanish with the event.
 * Events of cached objects are not even stringified: their line is the object's stored JSON bytes
 * between a fixed prefix and suffix.
 */
import type { ApiWatchEvent } from './types';
import type { KubeObject } from '../api/types';
import { errors, isApiError, type ApiError } from '../api/errors';
import { isStorageError } from '../storage/errors';
import type { CachedObject } from './cached-object';

export type ObjectEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * A watch event about a cached object. `object` decodes the JSON on first use and keeps that copy
 * for every consumer of this event (consumers treat event objects as read-only); `forget` drops it.
 */
export class CachedEvent implements ApiWatchEvent {
  private decoded: KubeObject | undefined;

  constructor(
    readonly type: ObjectEventType,
    readonly item: CachedObject,
    /** False for an event only one watcher will send (its initial state): its line is not kept. */
    readonly shared = true,
  ) {}

  get object(): KubeObject {
    return (this.decoded ??= this.item.decode());
  }

  /** Release the decoded copy, if any (it is rebuilt on demand). */
  forget(): void {
    this.decoded = undefined;
  }

  toJSON(): { type: ObjectEventType; object: KubeObject } {
    return { type: this.type, object: this.object };
  }
}

const lines = new WeakMap<ApiWatchEvent, Buffer>();
const PREFIX: Record<ObjectEventType, Buffer> = {
  ADDED: Buffer.from('{"type":"ADDED","object":'),
  MODIFIED: Buffer.from('{"type":"MODIFIED","object":'),
  DELETED: Buffer.from('{"type":"DELETED","object":'),
};
const SUFFIX = Buffer.from('}\n');

/**
 * `{"type":...,"object":...}\n` as UTF-8 bytes, cached per event object. Bytes rather than a
 * string, so writing it to N sockets does not re-encode it N times.
 */
export function eventBytes(ev: ApiWatchEvent): Buffer {
  if (ev instanceof CachedEvent && !ev.shared) return cachedLine(ev);
  let line = lines.get(ev);
  if (line === undefined) {
    line = ev instanceof CachedEvent ? cachedLine(ev) : Buffer.from(JSON.stringify(ev) + '\n');
    lines.set(ev, line);
  }
  return line;
}

function cachedLine(ev: CachedEvent): Buffer {
  const prefix = PREFIX[ev.type];
  const json = ev.item.json;
  return Buffer.concat([prefix, json, SUFFIX], prefix.length + json.length + SUFFIX.length);
}

const frames = new WeakMap<ApiWatchEvent, Buffer>();
const CRLF = Buffer.from('\r\n');

/** `bytes` as one HTTP/1.1 chunk: size in hex, CRLF, the bytes, CRLF. */
export function chunkFrame(bytes: Buffer): Buffer {
  const head = Buffer.from(`${bytes.length.toString(16)}\r\n`);
  return Buffer.concat([head, bytes, CRLF], head.length + bytes.length + CRLF.length);
}

/**
 * The event's line framed as one HTTP/1.1 chunk, cached per shared event like its line, so a chunked
 * watch response costs one socket write per watcher and nothing else.
 */
export function eventChunk(ev: ApiWatchEvent): Buffer {
  if (ev instanceof CachedEvent && !ev.shared) return chunkFrame(cachedLine(ev));
  let frame = frames.get(ev);
  if (frame === undefined) {
    frame = chunkFrame(eventBytes(ev));
    frames.set(ev, frame);
  }
  return frame;
}

/** Drop a cached line and decoded object (the watch cache does this once an event is old, to bound memory). */
export function forgetEventBytes(ev: ApiWatchEvent): void {
  lines.delete(ev);
  frames.delete(ev);
  if (ev instanceof CachedEvent) ev.forget();
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
