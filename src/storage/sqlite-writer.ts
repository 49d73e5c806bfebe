/**
 * The writer worker of SqliteStorage: a worker thread with the only connection that writes.
 *
 * better-sqlite3 is synchronous, so a commit (and its fsync under synchronous=FULL) blocks the
 * thread it runs on. Here that is this worker, not the event loop serving requests: the main thread
 * keeps queueing writes while a batch commits, and sends them all as the next batch, so batches
 * grow with load by themselves (group commit) and cost the main thread only a message each way.
 *
 * Being the only writer, the worker assigns revisions: one per successful write, in op order.
 * Precondition failures are decided before any insert, so a failed op leaves nothing behind and
 * the rest of its batch still commits. A batch that fails as a whole (I/O error) rolls back
 * entirely and is reported as failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { META_COMPACT_DONE, META_COMPACT_REV } from './sqlite-schema';
import type { FromWriter, ToWriter, WriteBatchMsg, WriteResultMsg, WriterInit } from './sqlite-writer-protocol';
import {
  OP_CREATE,
  OP_DELETE,
  OP_FIELDS,
  RES_FIELDS,
  ST_CONFLICT,
  ST_EXISTS,
  ST_NOT_FOUND,
  ST_OK,
} from './sqlite-writer-protocol';

type CurRow = { id: number; deleted: number; create_revision: number };
type CurValueRow = CurRow & { value: Buffer };

const port = parentPort;
if (port === null) throw new Error('sqlite-writer must run in a worker thread');
const init = workerData as WriterInit;

const db = new Database(init.file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${init.synchronous}`);
// The writer reads only the latest row of each written key (index lookups; the OS page cache backs
// misses), so SQLite's default 2 MB page cache serves it: measured at 10k pod creates, 8 MB held
// ~10 MiB of the worker's C heap, 2 MB ~4 MiB, at the same CPU per create.
db.pragma('cache_size = -2048');
let rev = init.revision;

// A create only needs to know whether the key is live: no value read.
const curStmt = db.prepare<[string], CurRow>('SELECT id, deleted, create_revision FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1');
const curValueStmt = db.prepare<[string], CurValueRow>(
  'SELECT id, deleted, create_revision, value FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1',
);
const insertStmt = db.prepare<[number, string, number, number, number, number, Uint8Array]>(
  'INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
);
const setMetaStmt = db.prepare<[string, number]>(
  'INSERT INTO km_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
);
// Concurrent compactions may arrive out of order: the point never moves back.
const setCompactRevStmt = db.prepare<[string, number]>(
  'INSERT INTO km_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)',
);
const supersededStmt = db.prepare<[number, number]>(
  'DELETE FROM kine WHERE id IN (SELECT old.id FROM kine n JOIN kine old ON old.name = n.name AND old.id < n.id WHERE n.id > ? AND n.id <= ?)',
);
const tombstonesStmt = db.prepare<[number, number]>('DELETE FROM kine WHERE id > ? AND id <= ? AND deleted = 1');

const applyBatch = db.transaction((msg: WriteBatchMsg, results: Float64Array, old: Array<Uint8Array | null>): void => {
  const { keys, ops } = msg;
  const data = new Uint8Array(msg.data);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const o = i * OP_FIELDS;
    const kind = ops[o];
    const expected = ops[o + 1];
    const r = i * RES_FIELDS;
    const id = rev + 1;
    if (kind === OP_CREATE) {
      const cur = curStmt.get(key);
      if (cur !== undefined && cur.deleted === 0) {
        results[r] = ST_EXISTS;
        continue;
      }
      insertStmt.run(id, key, 1, 0, id, cur?.id ?? 0, data.subarray(ops[o + 2], ops[o + 3]));
      results[r + 2] = id;
    } else {
      const cur = curValueStmt.get(key);
      if (cur === undefined || cur.deleted === 1) {
        results[r] = ST_NOT_FOUND;
        continue;
      }
      if (expected >= 0 && cur.id !== expected) {
        results[r] = ST_CONFLICT;
        results[r + 1] = cur.id;
        continue;
      }
      if (kind === OP_DELETE) insertStmt.run(id, key, 0, 1, cur.create_revision, cur.id, cur.value);
      else insertStmt.run(id, key, 0, 0, cur.create_revision, cur.id, data.subarray(ops[o + 2], ops[o + 3]));
      results[r + 2] = cur.create_revision;
      old[i] = cur.value;
    }
    results[r] = ST_OK;
    results[r + 1] = id;
    rev = id;
  }
});

const pruneChunk = db.transaction((from: number, to: number): void => {
  supersededStmt.run(from, to);
  tombstonesStmt.run(from, to);
  setMetaStmt.run(META_COMPACT_DONE, to);
});

function write(msg: WriteBatchMsg): void {
  const results = new Float64Array(msg.keys.length * RES_FIELDS);
  const old: Array<Uint8Array | null> = new Array<Uint8Array | null>(msg.keys.length).fill(null);
  const startRev = rev;
  try {
    applyBatch(msg, results, old);
  } catch (err) {
    // Rolled back: none of the batch committed, so no revision was used.
    rev = startRev;
    post({ t: 'failed', id: msg.id, message: errorMessage(err) });
    return;
  }
  // Values read by better-sqlite3 own their ArrayBuffer: move them instead of copying.
  const transfer: ArrayBuffer[] = [results.buffer as ArrayBuffer];
  for (const b of old) {
    if (b !== null && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.byteLength > 0) transfer.push(b.buffer as ArrayBuffer);
  }
  const reply: WriteResultMsg = { t: 'write', id: msg.id, results, old };
  port?.postMessage(reply, transfer);
}

function post(msg: FromWriter): void {
  port?.postMessage(msg);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs a non-batch request, answering done or failed. */
function run(id: number, fn: () => void): void {
  try {
    fn();
    post({ t: 'done', id });
  } catch (err) {
    post({ t: 'failed', id, message: errorMessage(err) });
  }
}

/** Set by 'close': the connection is gone, so nothing may touch a statement any more. */
let closed = false;

port.on('message', (msg: ToWriter) => {
  if (closed) {
    post({ t: 'failed', id: msg.id, message: 'sqlite writer closed' });
    return;
  }
  switch (msg.t) {
    case 'write':
      write(msg);
      break;
    case 'compactPoint':
      run(msg.id, () => setCompactRevStmt.run(META_COMPACT_REV, msg.revision));
      break;
    case 'prune':
      run(msg.id, () => pruneChunk(msg.from, msg.to));
      break;
    case 'close':
      closed = true;
      run(msg.id, () => db.close());
      // With the port closed this thread's event loop is empty, so the thread ends by itself, after
      // its connection is closed and never inside a call. The main thread waits for that exit rather
      // than terminating the thread, which would race this thread's own teardown (and the native
      // cleanup better-sqlite3 runs in it).
      port.close();
      break;
  }
});
