/**
 * The revisioned key-value contract every resource is kept in.
 *
 * Modelled on etcd v3 (and kube-apiserver's storage.Interface / kine's Backend):
 * - one global revision, incremented by exactly one per successful write (create, update or delete);
 *   an object's resourceVersion is the modRevision of its key, as a decimal string;
 * - values are opaque bytes (the registry stores JSON);
 * - every method either succeeds or throws a {@link StorageError} with a code from `errors.ts`.
 *
 * Backends: `etcd-storage.ts` (etcd v3 via npm etcd3) and `sqlite-storage.ts` (embedded, kine-like).
 * Both pass the one contract suite in test/storage/contract-suite.ts.
 */

/** One stored key at one revision. */
export interface KeyValue {
  key: string;
  value: Buffer;
  /** Revision at which this key was (last) created. */
  createRevision: number;
  /** Revision of the last write to this key; the object's resourceVersion. */
  modRevision: number;
}

export interface ListOptions {
  /** At most this many items; 0 or undefined means all. */
  limit?: number;
  /**
   * Continue after this key (exclusive). Used with `atRevision` to page through one snapshot:
   * pass the last key of the previous page and the revision that page returned.
   */
  continueFrom?: string;
  /**
   * Read the snapshot at this revision. Undefined or 0 means the latest (a consistent read).
   * A revision below the compaction point throws `Expired`; one above the current revision throws
   * `TooLargeResourceVersion`.
   */
  atRevision?: number;
  /**
   * Keys and revisions are enough: values may come back empty (a cheap freshness check against a
   * cache). A backend that cannot skip them returns them anyway.
   */
  keysOnly?: boolean;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list is consistent at (pass it as `atRevision` for the next page). */
  revision: number;
  /** True when items remain after the last returned one. */
  more: boolean;
  /** When `more`, how many items remain after this page (best effort; may be undefined). */
  remaining?: number;
}

export type WatchEventType = 'put' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  key: string;
  /** For put: the new value. For delete: the value just before deletion. */
  value: Buffer;
  /** The value before this event (undefined for a create). */
  prevValue?: Buffer;
  /** Revision of this event. For delete, the revision of the delete itself. */
  modRevision: number;
  /** For put: the key's createRevision. For delete: the deleted object's createRevision. */
  createRevision: number;
  /** True for a put that created the key (no previous value). */
  isCreate: boolean;
}

/**
 * A live watch. Iterate it to receive events in revision order, with no gap and no duplicate,
 * starting strictly after the watch's `fromRevision`. Iteration ends when `close()` is called;
 * it throws a StorageError (`Expired` when history was compacted, `Unavailable` when the backend
 * was lost) if the stream cannot continue without a gap — it never skips events silently.
 */
export interface WatchStream extends AsyncIterable<WatchEvent> {
  /** Stop the watch and release its resources; pending iteration ends normally. Idempotent. */
  close(): void;
}

export interface DeletePreconditions {
  /** Delete only if the key's modRevision equals this; else `Conflict`. */
  expectedModRevision?: number;
}

export interface Storage {
  /** Human-readable backend name, e.g. "etcd" or "sqlite". */
  readonly kind: string;

  /** The latest value of `key`. Throws `NotFound` if absent. Consistent (linearizable) read. */
  get(key: string): Promise<KeyValue>;

  /**
   * Keys under `prefix` (a plain string prefix, e.g. "/registry/pods/default/"), sorted by key
   * bytes ascending. See {@link ListOptions} for paging and snapshot semantics: pages taken with the
   * returned `revision` form one consistent snapshot even while writes happen between pages.
   */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;

  /** Number of keys under prefix at the latest revision. */
  count(prefix: string): Promise<number>;

  /**
   * Create `key` only if absent, atomically: of two concurrent creates exactly one wins, the other
   * throws `AlreadyExists`. Returns the stored KeyValue (createRevision = modRevision = new revision).
   * Values larger than {@link MAX_VALUE_BYTES} throw `RequestEntityTooLarge` and store nothing.
   */
  create(key: string, value: Buffer): Promise<KeyValue>;

  /**
   * Replace `key`'s value only if its modRevision still equals `expectedModRevision`
   * (compare-and-swap). Throws `NotFound` if absent, `Conflict` if it changed.
   * Returns the new KeyValue.
   */
  update(key: string, value: Buffer, expectedModRevision: number): Promise<KeyValue>;

  /**
   * Delete `key`, honouring the preconditions. Throws `NotFound` if absent, `Conflict` if a
   * precondition fails. Returns the deleted KeyValue, with `modRevision` set to the revision of the
   * delete itself and `value` the last value.
   */
  delete(key: string, preconditions?: DeletePreconditions): Promise<KeyValue>;

  /**
   * Watch `prefix` for events with revision > `fromRevision`. `fromRevision` 0 means "from now"
   * (the current revision at the time of the call). A `fromRevision` below the compaction point
   * throws `Expired` (synchronously from the first iteration at the latest).
   */
  watch(prefix: string, fromRevision: number): WatchStream;

  /** The current (latest) global revision. Consistent read. */
  currentRevision(): Promise<number>;

  /**
   * Discard history at or below `revision` (etcd semantics): afterwards reads `atRevision` < revision
   * and watches from below it throw `Expired`. Compacting to a revision at or below the current
   * compaction point is a no-op.
   */
  compact(revision: number): Promise<void>;

  /** The revision history was last compacted to (0 if never). */
  compactedRevision(): Promise<number>;

  /** Release connections and files. Further calls throw `Unavailable`. */
  close(): Promise<void>;
}

/** etcd's default request limit (1.5 MiB); both backends enforce it so they behave alike. */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;
