/**
 * Embedded Storage on SQLite (better-sqlite3), modelled on kine: one append-only log table whose
 * row id is the global revision (see sqlite-schema.ts).
 *
 * Writes go through group commit: better-sqlite3 is synchronous and single-writer, so the writes
 * that arrive during one turn of the event loop are queued and committed together in one
 * transaction (one fsync), each still getting its own revision and its own outcome. A write is
 * acknowledged only after its transaction committed, and watches are notified from the same
 * synchronous step, so a watch never sees an uncommitted write and never waits for a poll.
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
import { META_COMPACT_DONE, META_COMPACT_REV, SCHEMA, prefixEnd, rowToEvent, rowToKeyValue } from './sqlite-schema';
import { SqliteWatch } from './sqlite-watch';
import type { WatchSource } from './sqlite-watch';

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

type WriteOp =
  | { kind: 'create'; key: string; value: Buffer }
  | { kind: 'update'; key: string; value: Buffer; expected: number }
  | { kind: 'delete'; key: string; expected?: number };

interface PendingWrite {
  op: WriteOp;
  resolve: (kv: KeyValue) => void;
  reject: (err: unknown) => void;
}

type MetaRow = { value: number };

/** Revisions pruned per compaction transaction, so compaction never blocks the loop for long. */
const COMPACT_CHUNK = 5000;

const COLS = 'k.id, k.name, k.created, k.deleted, k.create_revision, k.prev_revision, k.value, NULL AS old_value';

export class SqliteStorage implements Storage {
  readonly kind = 'sqlite';
  readonly file: string;

  private readonly db: Database.Database;
  private rev: number;
  private compactRev: number;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private closed = false;
  private pruning: Promise<void> = Promise.resolve();
  private readonly watchers = new Set<SqliteWatch>();
  private readonly maxBatch: number;
  private readonly watchQueueLimit: number;
  private readonly stmtCache = new Map<string, Database.Statement>();

  private readonly latestStmt: Database.Statement<[string], LogRow>;
  private readonly insertStmt: Database.Statement<[number, string, number, number, number, number, Buffer]>;
  private readonly getMetaStmt: Database.Statement<[string], MetaRow>;
  private readonly setMetaStmt: Database.Statement<[string, number]>;
  private readonly runBatch: (batch: PendingWrite[], out: Array<LogRow | StorageError>) => void;
  private readonly watchSource: WatchSource;

  static open(opts: SqliteStorageOptions): SqliteStorage {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    return new SqliteStorage(path.join(opts.dataDir, opts.fileName ?? 'km.db'), opts);
  }

  private constructor(file: string, opts: SqliteStorageOptions) {
    this.file = file;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.watchQueueLimit = opts.watchQueueLimit ?? 10_000;
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    this.db.pragma('cache_size = -32768');
    this.db.exec(SCHEMA);

    this.latestStmt = this.db.prepare<[string], LogRow>(`SELECT ${COLS} FROM kine k WHERE k.name = ? ORDER BY k.id DESC LIMIT 1`);
    this.insertStmt = this.db.prepare(
      'INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.getMetaStmt = this.db.prepare<[string], MetaRow>('SELECT value FROM km_meta WHERE key = ?');
    this.setMetaStmt = this.db.prepare(
      'INSERT INTO km_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.runBatch = this.db.transaction((batch: PendingWrite[], out: Array<LogRow | StorageError>) => {
      for (const w of batch) {
        try {
          out.push(this.apply(w.op));
        } catch (err) {
          // Precondition failures are decided before any insert, so the op left nothing behind.
          if (err instanceof StorageError) out.push(err);
          else throw err;
        }
      }
    });

    const maxRow = this.db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM kine').get();
    this.compactRev = this.meta(META_COMPACT_REV);
    // Compaction may have pruned the newest rows (tombstones), so the compaction point also bounds it.
    this.rev = Math.max(maxRow?.id ?? 0, this.compactRev);

    this.watchSource = {
      replay: (prefix, after, limit) => this.replay(prefix, after, limit),
      unregister: (w) => {
        this.watchers.delete(w);
      },
    };
    // Finish a compaction that a crash interrupted. A failure here is retried by the next compaction.
    if (this.meta(META_COMPACT_DONE) < this.compactRev) this.schedulePrune().catch(() => undefined);
  }

  // ---- reads ------------------------------------------------------------------------------------

  async get(key: string): Promise<KeyValue> {
    this.check(key);
    const row = this.sql(key, () => this.latestStmt.get(key));
    if (row === undefined || row.deleted === 1) throw notFound(key);
    return rowToKeyValue(row);
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
    const sql =
      `SELECT ${COLS} FROM kine k WHERE k.name ${exclusive ? '>' : '>='} ?${upper !== undefined ? ' AND k.name < ?' : ''}` +
      ' AND k.id = (SELECT MAX(k2.id) FROM kine k2 WHERE k2.name = k.name AND k2.id <= ?)' +
      ' AND k.deleted = 0 ORDER BY k.name LIMIT ?';
    const params: Array<string | number> = [lower];
    if (upper !== undefined) params.push(upper);
    params.push(at, limit === undefined ? -1 : limit + 1);
    const rows = this.sql(prefix, () => this.stmt<LogRow>(sql).all(...params));
    const more = limit !== undefined && rows.length > limit;
    if (more) rows.pop();
    return { items: rows.map(rowToKeyValue), revision: at, more };
  }

  async count(prefix: string): Promise<number> {
    this.check(prefix);
    const upper = prefixEnd(prefix);
    const sql =
      `SELECT COUNT(*) AS n FROM kine k WHERE k.name >= ?${upper !== undefined ? ' AND k.name < ?' : ''}` +
      ' AND k.deleted = 0 AND k.id = (SELECT MAX(k2.id) FROM kine k2 WHERE k2.name = k.name)';
    const row = this.sql(prefix, () => this.stmt<{ n: number }>(sql).get(...(upper !== undefined ? [prefix, upper] : [prefix])));
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
    return this.enqueue({ kind: 'create', key, value });
  }

  update(key: string, value: Buffer, expectedModRevision: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'update', key, value, expected: expectedModRevision });
  }

  delete(key: string, preconditions: DeletePreconditions = {}): Promise<KeyValue> {
    return this.enqueue({ kind: 'delete', key, expected: preconditions.expectedModRevision });
  }

  private enqueue(op: WriteOp): Promise<KeyValue> {
    try {
      this.check(op.key);
      if (op.kind !== 'delete' && op.value.length > MAX_VALUE_BYTES) throw tooLarge(op.key, op.value.length, MAX_VALUE_BYTES);
    } catch (err) {
      return Promise.reject(err);
    }
    // Copy the caller's bytes: the stored value is shared with watchers and must not change under them.
    if (op.kind !== 'delete') op.value = Buffer.from(op.value);
    return new Promise<KeyValue>((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate (not a microtask) lets every request that arrived in this loop turn join the batch.
    setImmediate(() => this.flush());
  }

  /** Commits one batch of queued writes, then settles their promises and notifies watches. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || !this.db.open) return;
    const batch = this.pending.length <= this.maxBatch ? this.pending : this.pending.slice(0, this.maxBatch);
    this.pending = this.pending.length <= this.maxBatch ? [] : this.pending.slice(this.maxBatch);
    const startRev = this.rev;
    const out: Array<LogRow | StorageError> = [];
    try {
      this.runBatch(batch, out);
    } catch (err) {
      // Rolled back: none of the batch committed, so none is acknowledged.
      this.rev = startRev;
      for (const w of batch) w.reject(unavailable(w.op.key, err));
      if (this.pending.length > 0) this.scheduleFlush();
      return;
    }
    const events: WatchEvent[] = [];
    for (let i = 0; i < batch.length; i++) {
      const r = out[i];
      if (r instanceof StorageError) {
        batch[i].reject(r);
      } else {
        batch[i].resolve(rowToKeyValue(r));
        events.push(rowToEvent(r));
      }
    }
    if (events.length > 0) for (const w of this.watchers) w.push(events);
    if (this.pending.length > 0) this.scheduleFlush();
  }

  /** Applies one write inside the batch transaction; throws a StorageError when a precondition fails. */
  private apply(op: WriteOp): LogRow {
    const cur = this.latestStmt.get(op.key);
    const exists = cur !== undefined && cur.deleted === 0;
    let row: LogRow;
    const id = this.rev + 1;
    if (op.kind === 'create') {
      if (exists) throw alreadyExists(op.key);
      row = { id, name: op.key, created: 1, deleted: 0, create_revision: id, prev_revision: cur?.id ?? 0, value: op.value, old_value: null };
    } else {
      if (!exists) throw notFound(op.key);
      if (op.expected !== undefined && cur.id !== op.expected) throw conflict(op.key, cur.id);
      row =
        op.kind === 'update'
          ? { id, name: op.key, created: 0, deleted: 0, create_revision: cur.create_revision, prev_revision: cur.id, value: op.value, old_value: cur.value }
          : { id, name: op.key, created: 0, deleted: 1, create_revision: cur.create_revision, prev_revision: cur.id, value: cur.value, old_value: cur.value };
    }
    this.insertStmt.run(row.id, row.name, row.created, row.deleted, row.create_revision, row.prev_revision, row.value);
    this.rev = id;
    return row;
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
      ` WHERE k.id > ? AND +k.name >= ?${upper !== undefined ? ' AND +k.name < ?' : ''} ORDER BY k.id LIMIT ?`;
    const params: Array<string | number> = [after, prefix];
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
    this.sql('', () => this.setMetaStmt.run(META_COMPACT_REV, revision));
    this.compactRev = revision;
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

  private async prune(): Promise<void> {
    const supersededSql =
      'DELETE FROM kine WHERE id IN (SELECT old.id FROM kine n JOIN kine old ON old.name = n.name AND old.id < n.id WHERE n.id > ? AND n.id <= ?)';
    const tombstonesSql = 'DELETE FROM kine WHERE id > ? AND id <= ? AND deleted = 1';
    const chunk = this.db.transaction((from: number, to: number) => {
      this.stmt(supersededSql).run(from, to);
      this.stmt(tombstonesSql).run(from, to);
      this.setMetaStmt.run(META_COMPACT_DONE, to);
    });
    let done = this.meta(META_COMPACT_DONE);
    while (done < this.compactRev && !this.closed) {
      const to = Math.min(done + COMPACT_CHUNK, this.compactRev);
      this.sql('', () => chunk(done, to));
      done = to;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    // Queued writes were accepted: commit them before closing rather than dropping them.
    while (this.pending.length > 0) this.flush();
    this.closed = true;
    await this.pruning;
    const err = unavailable('', new Error('storage closed'));
    for (const w of [...this.watchers]) w.fail(err);
    this.watchers.clear();
    this.db.close();
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
