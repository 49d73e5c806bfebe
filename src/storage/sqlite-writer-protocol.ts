/**
 * Messages between SqliteStorage (main thread) and its writer worker (sqlite-writer.ts), the only
 * connection that writes. Batches travel packed, so one message costs a few transfers, not a
 * structured clone per value: the values of a batch are copied into one ArrayBuffer that is
 * transferred, and per-op numbers travel in one Float64Array.
 */

export interface WriterInit {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  /** The revision the log is at; the worker assigns the next ones (it is the only writer). */
  revision: number;
}

/** Op codes in {@link WriteBatchMsg.ops}. */
export const OP_CREATE = 0;
export const OP_UPDATE = 1;
export const OP_DELETE = 2;

/** Per-op numbers in `ops`: kind, expected mod revision (-1: none), value start, value end in `data`. */
export const OP_FIELDS = 4;

/** Per-op numbers in `results`: status, revision of the write (or the current one on Conflict), createRevision. */
export const RES_FIELDS = 3;

export const ST_OK = 0;
export const ST_EXISTS = 1;
export const ST_NOT_FOUND = 2;
export const ST_CONFLICT = 3;

export interface WriteBatchMsg {
  t: 'write';
  id: number;
  keys: string[];
  ops: Float64Array;
  data: ArrayBuffer;
}

export interface CompactPointMsg {
  t: 'compactPoint';
  id: number;
  revision: number;
}

export interface PruneMsg {
  t: 'prune';
  id: number;
  from: number;
  to: number;
}

export interface CloseMsg {
  t: 'close';
  id: number;
}

export type ToWriter = WriteBatchMsg | CompactPointMsg | PruneMsg | CloseMsg;

export interface WriteResultMsg {
  t: 'write';
  id: number;
  results: Float64Array;
  /** For each update and delete that succeeded: the key's value before it (in op order); else null. */
  old: Array<Uint8Array | null>;
}

export interface DoneMsg {
  t: 'done';
  id: number;
}

/** The whole request failed (a write batch rolled back entirely); nothing of it committed. */
export interface FailedMsg {
  t: 'failed';
  id: number;
  message: string;
}

export type FromWriter = WriteResultMsg | DoneMsg | FailedMsg;
