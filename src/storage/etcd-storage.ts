/**
 * {@link Storage} on etcd v3 through npm `etcd3` (raw KV RPCs, one transaction per write).
 *
 * Failure policy (etcd3's circuit breaker and blind retries are disabled in etcd-client.ts):
 * every call has a deadline; reads are retried on connection trouble until that deadline; writes
 * are retried only when the request provably never left the client, because a retried write whose
 * first attempt committed would double-apply (or meet AlreadyExists for its own create).
 * Connection failures surface as `Unavailable`, deadline expiry as `Timeout`; the client keeps
 * reconnecting on its own, so calls succeed again once etcd is back.
 */
import type { CallOptions, Client, Metadata } from '@grpc/grpc-js';
import { Etcd3, type IKeyValue, type IRangeRequest, type IResponseHeader, type KVClient } from 'etcd3';
import { alreadyExists, conflict, expired, notFound, StorageError, tooLarge, unavailable } from './errors';
import { etcdClientOptions, type EtcdConnectionOptions } from './etcd-client';
import { isCompactedError, isUnavailableError, neverSent, toStorageError } from './etcd-errors';
import { EtcdWatch, prefixEnd, type WatchRpcStream } from './etcd-watch';
import {
  MAX_VALUE_BYTES,
  type DeletePreconditions,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type WatchStream,
} from './interface';

export interface EtcdStorageOptions extends EtcdConnectionOptions {
  /** Deadline of one storage call, retries included (default 5000 ms). */
  requestTimeoutMs?: number;
  /** How long a broken watch keeps trying to resume at its next revision (default 10000 ms). */
  watchResumeTimeoutMs?: number;
  /** Events a watch buffers for a slow consumer before pausing its etcd stream (default 10000). */
  watchQueueLimit?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const DEFAULT_WATCH_RESUME_MS = 10_000;
const DEFAULT_WATCH_QUEUE_LIMIT = 10_000;
const RETRY_MIN_MS = 25;
const RETRY_MAX_MS = 500;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value,
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

const rev = (h: IResponseHeader): number => Number(h.revision);

/** The part of etcd3's ConnectionPool used to open a Watch stream with extra metadata. */
interface WatchPool {
  withConnection<R>(service: 'Watch', fn: (args: { client: Client; metadata: Metadata }) => R | Promise<R>): Promise<R>;
}

export class EtcdStorage implements Storage {
  readonly kind = 'etcd';
  private closed = false;
  /** Highest compaction revision we performed or etcd reported. */
  private compacted = 0;
  private readonly kv: KVClient;
  private readonly requestTimeoutMs: number;
  private readonly watchResumeTimeoutMs: number;
  private readonly watchQueueLimit: number;
  private readonly watches = new Set<EtcdWatch>();
  /** Highest revision seen in any response header (see EtcdWatch: "from now"). */
  private lastSeen = 0;

  private constructor(
    private readonly client: Etcd3,
    opts: EtcdStorageOptions,
  ) {
    this.kv = client.kv;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.watchResumeTimeoutMs = opts.watchResumeTimeoutMs ?? DEFAULT_WATCH_RESUME_MS;
    this.watchQueueLimit = opts.watchQueueLimit ?? DEFAULT_WATCH_QUEUE_LIMIT;
  }

  /**
   * Connect lazily (gRPC dials on first use); the storage is usable even if etcd is down right now,
   * calls then fail with Unavailable until it comes up.
   */
  static create(opts: EtcdStorageOptions): EtcdStorage {
    return new EtcdStorage(new Etcd3(etcdClientOptions(opts)), opts);
  }

  /** The underlying client, for tooling and benchmarks that need the same connection. */
  get rawClient(): Etcd3 {
    return this.client;
  }

  async get(key: string): Promise<KeyValue> {
    const res = await this.read(key, (deadline) => this.kv.range({ key: Buffer.from(key) }, { deadline }));
    if (res.kvs.length === 0) throw notFound(key);
    return toKeyValue(res.kvs[0]);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const prefixBuf = Buffer.from(prefix);
    let start = prefixBuf.length > 0 ? prefixBuf : Buffer.from([0]); // etcd rejects an empty key
    if (opts.continueFrom !== undefined && opts.continueFrom !== '') {
      // Exclusive: the smallest key after continueFrom is continueFrom + "\0".
      const after = Buffer.concat([Buffer.from(opts.continueFrom), Buffer.from([0])]);
      if (Buffer.compare(after, start) > 0) start = after;
    }
    const atRevision = opts.atRevision !== undefined && opts.atRevision > 0 ? opts.atRevision : 0;
    const req: IRangeRequest = { key: start, range_end: prefixEnd(prefixBuf), serializable: false };
    if (opts.limit !== undefined && opts.limit > 0) req.limit = opts.limit;
    if (opts.keysOnly === true) req.keys_only = true;
    if (atRevision > 0) req.revision = atRevision;
    const res = await this.read(prefix, (deadline) => this.kv.range(req, { deadline }), atRevision);
    const items = res.kvs.map(toKeyValue);
    const result: ListResult = { items, revision: atRevision > 0 ? atRevision : rev(res.header), more: res.more };
    if (res.more) result.remaining = Number(res.count) - items.length;
    return result;
  }

  async count(prefix: string): Promise<number> {
    const p = Buffer.from(prefix);
    const res = await this.read(prefix, (deadline) =>
      this.kv.range({ key: p.length > 0 ? p : Buffer.from([0]), range_end: prefixEnd(p), count_only: true }, { deadline }),
    );
    return Number(res.count);
  }

  async create(key: string, value: Buffer): Promise<KeyValue> {
    this.checkSize(key, value);
    const k = Buffer.from(key);
    const res = await this.write(key, (deadline) =>
      this.kv.txn(
        {
          compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
          success: [{ request_put: { key: k, value } }],
        },
        { deadline },
      ),
    );
    if (!res.succeeded) throw alreadyExists(key);
    const r = rev(res.header);
    return { key, value, createRevision: r, modRevision: r };
  }

  async update(key: string, value: Buffer, expectedModRevision: number): Promise<KeyValue> {
    this.checkSize(key, value);
    if (!(expectedModRevision > 0)) {
      // mod_revision == 0 would match an absent key and turn the update into a create.
      const current = await this.get(key);
      throw conflict(key, current.modRevision);
    }
    const k = Buffer.from(key);
    const res = await this.write(key, (deadline) =>
      this.kv.txn(
        {
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
          // The keys-only range after the put reports createRevision without shipping the old value back.
          success: [{ request_put: { key: k, value } }, { request_range: { key: k, keys_only: true } }],
          failure: [{ request_range: { key: k, keys_only: true } }],
        },
        { deadline },
      ),
    );
    if (!res.succeeded) {
      const kvs = res.responses[0]?.response_range?.kvs ?? [];
      if (kvs.length === 0) throw notFound(key);
      throw conflict(key, Number(kvs[0].mod_revision));
    }
    const after = res.responses[1]?.response_range?.kvs?.[0];
    const r = rev(res.header);
    return { key, value, createRevision: after !== undefined ? Number(after.create_revision) : r, modRevision: r };
  }

  async delete(key: string, preconditions: DeletePreconditions = {}): Promise<KeyValue> {
    const k = Buffer.from(key);
    const expected = preconditions.expectedModRevision;
    const res = await this.write(key, (deadline) =>
      this.kv.txn(
        {
          compare:
            expected !== undefined
              ? [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expected }]
              : [{ key: k, target: 'Create', result: 'Greater', create_revision: 0 }],
          success: [{ request_delete_range: { key: k, prev_kv: true } }],
          failure: [{ request_range: { key: k, keys_only: true } }],
        },
        { deadline },
      ),
    );
    if (!res.succeeded) {
      const kvs = res.responses[0]?.response_range?.kvs ?? [];
      if (kvs.length === 0) throw notFound(key);
      throw conflict(key, Number(kvs[0].mod_revision));
    }
    const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0];
    if (prev === undefined) throw notFound(key); // unreachable: the compare and the delete are one txn
    return { key, value: prev.value, createRevision: Number(prev.create_revision), modRevision: rev(res.header) };
  }

  watch(prefix: string, fromRevision: number): WatchStream {
    if (this.closed) throw unavailable(prefix, new Error('storage closed'));
    const w = new EtcdWatch(
      {
        openStream: () => this.openWatchStream(),
        onCompacted: (r) => this.observeCompacted(r),
        resumeTimeoutMs: this.watchResumeTimeoutMs,
        createTimeoutMs: Math.min(this.requestTimeoutMs, 2000),
        queueLimit: this.watchQueueLimit,
        onDone: () => this.watches.delete(w),
        lastSeenRevision: () => this.lastSeen,
      },
      prefix,
      fromRevision,
    );
    this.watches.add(w);
    return w;
  }

  async currentRevision(): Promise<number> {
    // A linearizable range of one nonexistent key: the header carries the store revision.
    const res = await this.read('', (deadline) =>
      this.kv.range({ key: Buffer.from([0]), count_only: true }, { deadline }),
    );
    return rev(res.header);
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    try {
      await this.write('', (deadline) => this.kv.compact({ revision, physical: false }, { deadline }));
      this.observeCompacted(revision);
    } catch (err) {
      // Someone (another server, or a lost ack) already compacted at or past it: a no-op by contract.
      if (err instanceof StorageError && err.code === 'Expired') {
        this.observeCompacted(revision);
        return;
      }
      throw err;
    }
  }

  /**
   * etcd has no "what is the compact revision" call. We know what we compacted and what etcd
   * reported; to notice compactions by others we probe: a range at revision r fails iff r < the
   * compact revision. One probe confirms the known value; a binary search finds a newer one.
   */
  async compactedRevision(): Promise<number> {
    const known = this.compacted;
    if (!(await this.isCompactedAt(Math.max(known, 1)))) return known;
    let lo = Math.max(known, 1) + 1; // smallest candidate for the compact revision
    let hi = await this.currentRevision(); // the compact revision is at most the current one
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.isCompactedAt(mid)) lo = mid + 1;
      else hi = mid;
    }
    this.observeCompacted(lo);
    return this.compacted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) w.close();
    this.client.close();
  }

  // --- internals -------------------------------------------------------------------------------

  /**
   * A Watch stream carrying etcd's "hasleader" metadata (as Kubernetes' clientv3.WithRequireLeader
   * does): a member that loses its leader cancels the stream instead of leaving it silently stalled,
   * and EtcdWatch resumes on another member at the next revision. etcd3 has no way to add metadata
   * to its WatchClient, so this goes through its connection pool (etcd3 1.1.2 internals, checked at
   * runtime; without them the plain WatchClient is used).
   */
  private openWatchStream(): Promise<WatchRpcStream> {
    const pool = (this.client as unknown as { pool?: Partial<WatchPool> }).pool;
    if (pool === undefined || typeof pool.withConnection !== 'function') return this.client.watchClient.watch();
    return pool.withConnection('Watch', ({ client, metadata }) => {
      const md = metadata.clone();
      md.set('hasleader', 'true');
      return (client as unknown as { watch(md: Metadata, opts: CallOptions): WatchRpcStream }).watch(md, {});
    });
  }

  private observeCompacted(revision: number): void {
    if (revision > this.compacted) this.compacted = revision;
  }

  private async isCompactedAt(revision: number): Promise<boolean> {
    try {
      await this.read('', (deadline) =>
        this.kv.range({ key: Buffer.from([0]), count_only: true, revision }, { deadline }),
      );
      return false;
    } catch (err) {
      if (err instanceof StorageError && err.code === 'Expired') return true;
      throw err;
    }
  }

  private checkSize(key: string, value: Buffer): void {
    if (this.closed) throw unavailable(key, new Error('storage closed'));
    if (value.length > MAX_VALUE_BYTES) throw tooLarge(key, value.length, MAX_VALUE_BYTES);
  }

  /** A read: retried on connection trouble until the call deadline. */
  private read<T extends { header: IResponseHeader }>(key: string, call: (deadline: number) => Promise<T>, atRevision = 0): Promise<T> {
    return this.call(key, call, isUnavailableError, atRevision);
  }

  /** A write: retried only if it provably never reached etcd. */
  private write<T extends { header: IResponseHeader }>(key: string, call: (deadline: number) => Promise<T>): Promise<T> {
    return this.call(key, call, neverSent, 0);
  }

  private async call<T extends { header: IResponseHeader }>(
    key: string,
    call: (deadline: number) => Promise<T>,
    retryable: (err: unknown) => boolean,
    atRevision: number,
  ): Promise<T> {
    if (this.closed) throw unavailable(key, new Error('storage closed'));
    const deadline = Date.now() + this.requestTimeoutMs;
    let backoff = RETRY_MIN_MS;
    for (;;) {
      try {
        const res = await call(deadline);
        const r = rev(res.header);
        if (r > this.lastSeen) this.lastSeen = r;
        return res;
      } catch (err) {
        if (this.closed) throw unavailable(key, err);
        if (isCompactedError(err)) throw expired(key, atRevision, this.compacted);
        const remaining = deadline - Date.now();
        if (!retryable(err) || remaining <= backoff) throw toStorageError(err, key);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, RETRY_MAX_MS);
      }
    }
  }
}
