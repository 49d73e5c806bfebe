/**
 * Embedded Storage on SQLite (better-sqlite3), modelled on kine: one append-only log table whose
 * row id is the global revision (see sqlite-schema.ts).
 *
 * Writes go through group commit in a worker thread (sqlite-writer.ts), which holds the only
 * writing connection: better-sqlite3 is synchronous, so committing on the event loop would block
 * every request for each fsync. Writes that arrive while a batch commits are queued and sent
 * together as the next batch (one transaction, one fsync), so batches grow with load; each write
 * still gets its own revision and its own outcome. Reads use this thread's own connection, which
 * WAL lets run while the worker commits.
 *
 * This thread's view is the acknowledged state: `rev` advances when a batch's answer arrives, and
 * then, in revision order, promises are settled and watches notified in one synchronous step. Reads
 * are bounded by `rev`, so a read never shows a write before its acknowledgement and watch replay
 * switches to live delivery without a gap or a duplicate (see sqlite-watch.ts).
 *
 * Durability: WAL with synchronous=FULL (default) makes every acknowledged write survive a process
 * kill and a power loss; NORMAL survives a process kill only.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DeletePreconditions, KeyValue, ListOptions, ListResult, Storage, WatchEvent, WatchStream } from './interface';
import { MAX_VALUE_BYTES } from './interface';
import { StorageError, alreadyExists, conflict, expired, notFound, tooLarge, unavailable } from './errors';
import type { LogRow } from './sqlite-schema';
import { META_COMPACT_DONE, META_COMPACT_REV, SCHEMA, prefixEnd, rowToEvent } from './sqlite-schema';
import { SqliteWatch } from './sqlite-watch';
import type { WatchSource } from './sqlite-watch';
import { SqliteWriterClient } from './sqlite-writer-client';
import type { FromWriter, ToWriter, WriteBatchMsg } from './sqlite-writer-protocol';
import { OP_CREATE, OP_DELETE, OP_FIELDS, OP_UPDATE, RES_FIELDS, ST_CONFLICT, ST_EXISTS, ST_NOT_FOUND, ST_OK } from './sqlite-writer-protocol';

export interface SqliteStorageOptions {
  dataDir: string;
  /** File name inside dataDir; default 'km.db'. */
  fileName?: string;
  /** FULL (default) is durable against power loss; NORMAL only against a process crash. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Most writes committed in one transaction; default 1000. */
  maxBatch?: number;
  /** Events a watch may queue before it falls back to replaying from the table; default 10000. */
  watchQueueLimit?: number;
}

interface PendingWrite {
  kind: typeof OP_CREATE | typeof OP_UPDATE | typeof OP_DELETE;
  key: string;
  /** This store's own copy of the value (create and update). */
  value: Buffer | undefined;
  /** Expected mod revision, -1 for none. */
  expected: number;
  resolve: (kv: KeyValue) => void;
  reject: (err: unknown) => void;
}

type MetaRow = { value: number };
type GetRow = { id: number; deleted: number; create_revision: number; value: Buffer };
/** Only the columns a KeyValue needs: each extra column is a conversion per row. */
type ListRow = { id: number; name: string; create_revision: number; value?: Buffer };

/** The value of a keysOnly list item (empty, so sharing it is safe). */
const NO_VALUE = Buffer.alloc(0);

/** Revisions pruned per compaction transaction, so compaction never holds the writer for long. */
const COMPACT_CHUNK = 5000;

/** Value bytes in one batch message at most (a batch always takes at least one write). */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;


/**
 * Takes the exclusive lock that makes this process the only one using `file`: the worker assigns
 * revisions from memory, so a second writer would corrupt the revision order. The lock is SQLite's
 * own (a POSIX advisory lock on a side file held by an EXCLUSIVE-mode connection): the kernel
 * releases it when the process dies, even by kill -9, so a crash never leaves a stale lock.
 */
function lockDataFile(file: string): Database.Database {
  const lockFile = `${file}.lock`;
  const lock = new Database(lockFile, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    lock.close();
    const busy = (err as { code?: unknown }).code === 'SQLITE_BUSY';
    throw new StorageError(
      'Unavailable',
      '',
      busy ? `${file} is in use by another store (${lockFile} is locked): one process per data dir` : `cannot lock ${lockFile}`,
      undefined,
      { cause: err },
    );
  }
  return lock;
}

export class SqliteStorage implements Storage {
  readonly kind = 'sqlite';
  readonly file: string;

  private readonly db: Database.Database;
  /** Held while open: one process (and one store) per database file. */
  private readonly lock: Database.Database;
  /** The latest acknowledged revision: every read and watch of this thread is bounded by it. */
  private rev: number;
  private compactRev: number;
  private pending: PendingWrite[] = [];
  private inflight = false;
  private dispatchScheduled = false;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private pruning: Promise<void> = Promise.resolve();
  private writer: SqliteWriterClient | undefined;
  private readonly synchronous: 'FULL' | 'NORMAL';
  private readonly watchers = new Set<SqliteWatch>();
  private readonly maxBatch: number;
  private readonly watchQueueLimit: number;
  private readonly stmtCache = new Map<string, Database.Statement>();

  private readonly getStmt: Database.Statement<[string, number], GetRow>;
  private readonly getMetaStmt: Database.Statement<[string], MetaRow>;
  private readonly maxIdStmt: Database.Statement<[], { id: number | null }>;
  private readonly watchSource: WatchSource;

  static open(opts: SqliteStorageOptions): SqliteStorage {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    return new SqliteStorage(path.join(opts.dataDir, opts.fileName ?? 'km.db'), opts);
  }

  private constructor(file: string, opts: SqliteStorageOptions) {
    this.file = file;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.watchQueueLimit = opts.watchQueueLimit ?? 10_000;
    this.synchronous = opts.synchronous ?? 'FULL';
    // This connection creates the file and schema, then only reads; the worker's writes.
    this.lock = lockDataFile(file);
    try {
      this.db = new Database(file);
    } catch (err) {
      this.lock.close();
      throw err;
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${this.synchronous}`);
    this.db.pragma('cache_size = -32768');
    this.db.exec(SCHEMA);

    // Only the columns a KeyValue needs: each extra column is a conversion per call.
    this.getStmt = this.db.prepare<[string, number], GetRow>(
      'SELECT id, deleted, create_revision, value FROM kine WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1',
    );
    this.getMetaStmt = this.db.prepare<[string], MetaRow>('SELECT value FROM km_meta WHERE key = ?');
    this.maxIdStmt = this.db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM kine');

    this.compactRev = this.meta(META_COMPACT_REV);
    this.rev = this.logRevision();
    this.writer = this.startWriter();

    this.watchSource = {
      replay: (prefix, after, limit) => this.replay(prefix, after, limit),
      unregister: (w) => {
        this.watchers.delete(w);
      },
    };
    // Finish a compaction that a crash interrupted. A failure here is retried by the next compaction.
    if (this.meta(META_COMPACT_DONE) < this.compactRev) this.schedulePrune().catch(() => undefined);
  }

  /** The revision of the log on disk. Compaction may have pruned the newest rows (tombstones), so the compaction point also bounds it. */
  private logRevision(): number {
    return Math.max(this.maxIdStmt.get()?.id ?? 0, this.compactRev);
  }

  private startWriter(): SqliteWriterClient {
    return new SqliteWriterClient({ file: this.file, synchronous: this.synchronous, revision: this.rev }, (err) => this.writerLost(err));
  }

  /**
   * The worker ended unexpectedly. Its last batch may have committed without being acknowledged, so
   * live watches would miss it: they end with Unavailable and resume from their last revision by
   * replay. The next write starts a new worker from the revision on disk.
   */
  private writerLost(err: Error): void {
    this.writer = undefined;
    if (this.closed) return;
    const failure = unavailable('', err);
    for (const w of [...this.watchers]) w.fail(failure);
    this.watchers.clear();
    try {
      this.rev = this.logRevision();
    } catch {
      // Reads fail too; the next write (or read) reports it.
    }
  }

  // ---- reads ------------------------------------------------------------------------------------

  async get(key: string): Promise<KeyValue> {
    this.check(key);
    let row: GetRow | undefined;
    try {
      row = this.getStmt.get(key, this.rev);
    } catch (err) {
      throw unavailable(key, err);
    }
    if (row === undefined || row.deleted === 1) throw notFound(key);
    return { key, value: row.value, createRevision: row.create_revision, modRevision: row.id };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.check(prefix);
    const at = this.readRevision(prefix, opts.atRevision);
    const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : undefined;
    const after = opts.continueFrom;
    // Keyset pagination: resume strictly after the last key, on the (name, id) index.
    const exclusive = after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(prefix)) >= 0;
    const lower = exclusive ? (after as string) : prefix;
    const upper = prefixEnd(prefix);
    // keysOnly leaves the value column out: SQLite then reads no overflow page of a large value.
    const cols = opts.keysOnly === true ? 'k.id, k.name, k.create_revision' : 'k.id, k.name, k.create_revision, k.value';
    const sql =
      `SELECT ${cols} FROM kine k WHERE k.name ${exclusive ? '>' : '>='} ?${upper !== undefined ? ' AND k.name < ?' : ''}` +
      ' AND k.id = (SELECT MAX(k2.id) FROM kine k2 WHERE k2.name = k.name AND k2.id <= ?)' +
      ' AND k.deleted = 0 ORDER BY k.name LIMIT ?';
    const params: Array<string | number> = [lower];
    if (upper !== undefined) params.push(upper);
    params.push(at, limit === undefined ? -1 : limit + 1);
    const rows = this.sql(prefix, () => this.stmt<ListRow>(sql).all(...params));
    const more = limit !== undefined && rows.length > limit;
    if (more) rows.pop();
    return {
      items: rows.map((r) => ({ key: r.name, value: r.value ?? NO_VALUE, createRevision: r.create_revision, modRevision: r.id })),
      revision: at,
      more,
    };
  }

  async count(prefix: string): Promise<number> {
    this.check(prefix);
    const upper = prefixEnd(prefix);
    const sql =
      `SELECT COUNT(*) AS n FROM kine k WHERE k.name >= ?${upper !== undefined ? ' AND k.name < ?' : ''}` +
      ' AND k.deleted = 0 AND k.id = (SELECT MAX(k2.id) FROM kine k2 WHERE k2.name = k.name AND k2.id <= ?)';
    const params: Array<string | number> = upper !== undefined ? [prefix, upper, this.rev] : [prefix, this.rev];
    const row = this.sql(prefix, () => this.stmt<{ n: number }>(sql).get(...params));
    return row?.n ?? 0;
  }

  async currentRevision(): Promise<number> {
    this.check('');
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    this.check('');
    return this.compactRev;
  }

  // ---- writes -----------------------------------------------------------------------------------

  create(key: string, value: Buffer): Promise<KeyValue> {
    return this.enqueue(OP_CREATE, key, value, -1);
  }

  update(key: string, value: Buffer, expectedModRevision: number): Promise<KeyValue> {
    return this.enqueue(OP_UPDATE, key, value, expectedModRevision);
  }

  delete(key: string, preconditions: DeletePreconditions = {}): Promise<KeyValue> {
    return this.enqueue(OP_DELETE, key, undefined, preconditions.expectedModRevision ?? -1);
  }

  private enqueue(kind: PendingWrite['kind'], key: string, value: Buffer | undefined, expected: number): Promise<KeyValue> {
    try {
      this.check(key);
      if (value !== undefined && value.length > MAX_VALUE_BYTES) throw tooLarge(key, value.length, MAX_VALUE_BYTES);
    } catch (err) {
      return Promise.reject(err);
    }
    // Copy the caller's bytes: the stored value is shared with watchers and must not change under them.
    const own = value === undefined ? undefined : Buffer.from(value);
    return new Promise<KeyValue>((resolve, reject) => {
      this.pending.push({ kind, key, value: own, expected, resolve, reject });
      if (!this.inflight && !this.dispatchScheduled) {
        this.dispatchScheduled = true;
        // A microtask, not a macrotask: writes issued in the same synchronous step share a batch,
        // and a lone write is not delayed to the next loop turn.
        queueMicrotask(() => this.dispatch());
      }
    });
  }

  /** Sends the queued writes as one batch to the worker, unless a batch is committing already. */
  private dispatch(): void {
    this.dispatchScheduled = false;
    if (this.inflight || this.pending.length === 0) return;
    let n = 0;
    let bytes = 0;
    const limit = Math.min(this.pending.length, this.maxBatch);
    while (n < limit) {
      const len = this.pending[n].value?.length ?? 0;
      if (n > 0 && bytes + len > MAX_BATCH_BYTES) break;
      bytes += len;
      n++;
    }
    const batch = n === this.pending.length ? this.pending : this.pending.slice(0, n);
    this.pending = n === this.pending.length ? [] : this.pending.slice(n);

    // Pack: the values go in one transferred buffer, the per-op numbers in one Float64Array.
    const data = new ArrayBuffer(bytes);
    const bytesView = new Uint8Array(data);
    const ops = new Float64Array(n * OP_FIELDS);
    const keys = new Array<string>(n);
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const w = batch[i];
      keys[i] = w.key;
      const o = i * OP_FIELDS;
      ops[o] = w.kind;
      ops[o + 1] = w.expected;
      ops[o + 2] = offset;
      if (w.value !== undefined) {
        bytesView.set(w.value, offset);
        offset += w.value.length;
      }
      ops[o + 3] = offset;
    }
    const writer = (this.writer ??= this.startWriter());
    const msg: WriteBatchMsg = { t: 'write', id: writer.newId(), keys, ops, data };
    this.inflight = true;
    writer.request(msg, [ops.buffer as ArrayBuffer, data]).then(
      (reply) => this.settle(batch, reply),
      (err: unknown) => this.settle(batch, err instanceof Error ? err : new Error(String(err))),
    );
  }

  /**
   * Handles the worker's answer to one batch: starts the next batch first (so it commits while this
   * thread works), then acknowledges in revision order and notifies watches in the same step.
   */
  private settle(batch: PendingWrite[], reply: FromWriter | Error): void {
    this.inflight = false;
    if (this.pending.length > 0) this.dispatch();
    if (reply instanceof Error || reply.t !== 'write') {
      // Rolled back, or the worker died: the outcome is unknown to the caller, never "done".
      const cause = reply instanceof Error ? reply : new Error(reply.t === 'failed' ? reply.message : 'unexpected answer');
      for (const w of batch) w.reject(unavailable(w.key, cause));
    } else {
      const { results, old } = reply;
      const events: WatchEvent[] = [];
      for (let i = 0; i < batch.length; i++) {
        const w = batch[i];
        const r = i * RES_FIELDS;
        const status = results[r];
        if (status !== ST_OK) {
          if (status === ST_EXISTS) w.reject(alreadyExists(w.key));
          else if (status === ST_NOT_FOUND) w.reject(notFound(w.key));
          else if (status === ST_CONFLICT) w.reject(conflict(w.key, results[r + 1]));
          else w.reject(unavailable(w.key, new Error(`unknown write status ${status}`)));
          continue;
        }
        const id = results[r + 1];
        const createRevision = results[r + 2];
        const prev = old[i];
        const prevValue = prev === null ? undefined : Buffer.from(prev.buffer, prev.byteOffset, prev.byteLength);
        const value = w.kind === OP_DELETE ? (prevValue as Buffer) : (w.value as Buffer);
        this.rev = id;
        w.resolve({ key: w.key, value, createRevision, modRevision: id });
        events.push({
          type: w.kind === OP_DELETE ? 'delete' : 'put',
          key: w.key,
          value,
          prevValue,
          modRevision: id,
          createRevision,
          isCreate: w.kind === OP_CREATE,
        });
      }
      if (events.length > 0) for (const watch of this.watchers) watch.push(events);
    }
    if (!this.inflight && this.pending.length === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Resolves once every queued write has been answered. */
  private whenIdle(): Promise<void> {
    if (!this.inflight && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** A non-batch request to the worker (compaction); rejects with Unavailable if it failed. */
  private async writerRequest(key: string, make: (id: number) => ToWriter): Promise<void> {
    const writer = (this.writer ??= this.startWriter());
    let reply: FromWriter;
    try {
      reply = await writer.request(make(writer.newId()));
    } catch (err) {
      throw unavailable(key, err);
    }
    if (reply.t === 'failed') throw unavailable(key, new Error(reply.message));
  }

  // ---- watch ------------------------------------------------------------------------------------

  watch(prefix: string, fromRevision: number): WatchStream {
    const from = fromRevision > 0 ? fromRevision : this.rev;
    let error: StorageError | undefined;
    if (this.closed) error = unavailable(prefix);
    else if (from < this.compactRev) error = expired(prefix, from, this.compactRev);
    const w = new SqliteWatch(this.watchSource, prefix, from, { live: from >= this.rev, queueLimit: this.watchQueueLimit, error });
    if (error === undefined) this.watchers.add(w);
    return w;
  }

  private replay(prefix: string, after: number, limit: number): WatchEvent[] {
    if (this.closed) throw unavailable(prefix);
    if (after < this.compactRev) throw expired(prefix, after, this.compactRev);
    const upper = prefixEnd(prefix);
    // Walk the primary key from `after` (unary + keeps SQLite off the name index): a resume costs the
    // history since its revision, not a scan and sort of the whole prefix.
    const sql =
      'SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.prev_revision, k.value, p.value AS old_value FROM kine k' +
      ' LEFT JOIN kine p ON p.id = k.prev_revision AND k.created = 0 AND k.deleted = 0' +
      ` WHERE k.id > ? AND k.id <= ? AND +k.name >= ?${upper !== undefined ? ' AND +k.name < ?' : ''} ORDER BY k.id LIMIT ?`;
    const params: Array<string | number> = [after, this.rev, prefix];
    if (upper !== undefined) params.push(upper);
    params.push(limit);
    return this.sql(prefix, () => this.stmt<LogRow>(sql).all(...params)).map(rowToEvent);
  }

  // ---- compaction -------------------------------------------------------------------------------

  async compact(revision: number): Promise<void> {
    this.check('');
    if (revision > this.rev) {
      throw new StorageError('TooLargeResourceVersion', '', `cannot compact to future revision ${revision} (current ${this.rev})`, this.rev);
    }
    // A no-op compaction still waits for pruning in flight, so compact() resolving means "pruned".
    if (revision <= this.compactRev) return this.pruning;
    // The point is recorded (durably) first: from now on older reads fail even while pruning runs.
    await this.writerRequest('', (id) => ({ t: 'compactPoint', id, revision }));
    this.compactRev = Math.max(this.compactRev, revision);
    await this.schedulePrune();
  }

  /** Prunes history up to the compaction point in small transactions; serialized with other prunes. */
  private schedulePrune(): Promise<void> {
    const run = this.pruning.then(() => this.prune());
    // `pruning` itself never rejects (close awaits it); a failed prune leaves compact_done behind and
    // the next compaction or reopen resumes from there. The caller of compact() sees the error.
    this.pruning = run.catch(() => undefined);
    return run;
  }

  /** Each chunk is one transaction in the worker, queued behind (and ahead of) write batches. */
  private async prune(): Promise<void> {
    let done = this.sql('', () => this.meta(META_COMPACT_DONE));
    while (done < this.compactRev && !this.closed) {
      const from = done;
      const to = Math.min(done + COMPACT_CHUNK, this.compactRev);
      await this.writerRequest('', (id) => ({ t: 'prune', id, from, to }));
      done = to;
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  async close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // New calls fail from here on; writes queued before were accepted, so they are committed (and
    // acknowledged) rather than dropped.
    this.closed = true;
    await this.whenIdle();
    await this.pruning;
    const err = unavailable('', new Error('storage closed'));
    for (const w of [...this.watchers]) w.fail(err);
    this.watchers.clear();
    const writer = this.writer;
    this.writer = undefined;
    await writer?.close();
    this.db.close();
    this.lock.close();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private check(key: string): void {
    if (this.closed) throw unavailable(key, new Error('storage closed'));
  }

  private readRevision(key: string, atRevision: number | undefined): number {
    if (atRevision === undefined || atRevision <= 0) return this.rev;
    if (atRevision > this.rev) {
      throw new StorageError('TooLargeResourceVersion', key, `revision ${atRevision} is newer than the current ${this.rev}`, this.rev);
    }
    if (atRevision < this.compactRev) throw expired(key, atRevision, this.compactRev);
    return atRevision;
  }

  /** Runs a SQLite call, turning driver errors (I/O, corruption) into StorageError Unavailable. */
  private sql<T>(key: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StorageError) throw err;
      throw unavailable(key, err);
    }
  }

  private meta(key: string): number {
    return this.getMetaStmt.get(key)?.value ?? 0;
  }

  private stmt<R = unknown>(sql: string): Database.Statement<unknown[], R> {
    let s = this.stmtCache.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.stmtCache.set(sql, s);
    }
    return s as Database.Statement<unknown[], R>;
  }
}
