/**
 * Raw-storage twins: the same operations the API server ends up doing, issued straight at the
 * store from the load-generator process (which is thus the storage client, as benchmarks.md asks).
 * etcd: the etcd3 client with km's own options (etcd-client.ts) and create-if-absent / CAS txns;
 * embedded: SqliteStorage in this process (its own database file, same pragmas as the server; its
 * table is the kine-like log of benchmarks.md §3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { prefixEnd } from '../../src/storage/etcd-watch';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { wallMs } from './stats';
import { forkWatchers } from './watch-fanout';
import type { Subscribe } from './watch-latency';

const DEADLINE_MS = 60_000;
const REPLAY_TIMEOUT_MS = 120_000;

export interface RawTwin {
  readonly name: string;
  /** Create-if-absent; resolves the new mod revision. */
  create(key: string, value: Buffer): Promise<number>;
  /** Compare-and-swap on the mod revision (etcd: `Mod == rev` then put); resolves the new one. */
  update(key: string, value: Buffer, modRevision: number): Promise<number>;
  get(key: string): Promise<void>;
  /** Consistent range; resolves the number of keys. */
  range(prefix: string): Promise<number>;
  /** Consistent range and JSON.parse of every value (what a cold start must at least do). */
  rangeParse(prefix: string): Promise<number>;
  /** `limit`-sized pages of one snapshot (the first page's revision); resolves the number of keys. */
  pagedRange(prefix: string, limit: number): Promise<number>;
  /** Keys under prefix, counted by the store (not timed). */
  count(prefix: string): Promise<number>;
  currentRevision(): Promise<number>;
  /** Watch from after `fromRevision` until `count` events arrived (a backlog replay). */
  replay(prefix: string, fromRevision: number, count: number): Promise<void>;
  /**
   * One watcher of `prefix` reporting each put's last key segment: etcd's in another process (a
   * separate-process watcher, as P10/P11 ask), the embedded store's in this one (it has no other).
   */
  watcher(prefix: string): Subscribe;
  /** Remove everything under `prefix`; etcd also compacts and defragments (benchmarks.md §1). */
  clear(prefix: string): Promise<void>;
  /** Delete the keys under `prefix`, one by one (no compaction). */
  remove(prefix: string): Promise<void>;
  /** etcd: compact history to the current revision and defragment; embedded: nothing. */
  compact(): Promise<void>;
  close(): Promise<void>;
}

const opts = (): { deadline: number } => ({ deadline: Date.now() + DEADLINE_MS });

export function etcdTwin(raw: Etcd3, endpoint: string): RawTwin {
  return {
    name: 'raw etcd3',
    async create(key, value) {
      const k = Buffer.from(key);
      const res = await raw.kv.txn(
        { compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }], success: [{ request_put: { key: k, value } }] },
        opts(),
      );
      if (!res.succeeded) throw new Error(`raw create lost: ${key}`);
      return Number(res.header.revision);
    },
    async update(key, value, modRevision) {
      const k = Buffer.from(key);
      const res = await raw.kv.txn(
        { compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: modRevision }], success: [{ request_put: { key: k, value } }] },
        opts(),
      );
      if (!res.succeeded) throw new Error(`raw CAS lost: ${key}`);
      return Number(res.header.revision);
    },
    async get(key) {
      const res = await raw.kv.range({ key: Buffer.from(key) }, opts());
      if (res.kvs.length !== 1) throw new Error(`raw get: ${key} absent`);
    },
    async range(prefix) {
      const p = Buffer.from(prefix);
      const res = await raw.kv.range({ key: p, range_end: prefixEnd(p), serializable: false }, opts());
      return res.kvs.length;
    },
    async rangeParse(prefix) {
      const p = Buffer.from(prefix);
      const res = await raw.kv.range({ key: p, range_end: prefixEnd(p), serializable: false }, opts());
      for (const kv of res.kvs) JSON.parse(kv.value.toString('utf8'));
      return res.kvs.length;
    },
    async pagedRange(prefix, limit) {
      const p = Buffer.from(prefix);
      const end = prefixEnd(p);
      let start = p;
      let revision: string | undefined;
      let n = 0;
      for (let page = 0; page < 1_000_000; page++) {
        const res = await raw.kv.range({ key: start, range_end: end, limit, ...(revision !== undefined ? { revision } : {}) }, opts());
        revision ??= res.header.revision;
        n += res.kvs.length;
        if (!res.more || res.kvs.length === 0) return n;
        start = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
      }
      return n;
    },
    async count(prefix) {
      const p = Buffer.from(prefix);
      return Number((await raw.kv.range({ key: p, range_end: prefixEnd(p), count_only: true }, opts())).count);
    },
    async currentRevision() {
      return Number((await raw.kv.range({ key: Buffer.from([0]) }, opts())).header.revision);
    },
    async replay(prefix, fromRevision, count) {
      const w = raw.watch().prefix(prefix).startRevision(String(fromRevision + 1)).watcher();
      try {
        await new Promise<void>((resolve, reject) => {
          let n = 0;
          const timer = setTimeout(() => reject(new Error(`raw replay: ${n}/${count} events in ${REPLAY_TIMEOUT_MS} ms`)), REPLAY_TIMEOUT_MS);
          w.on('data', (res: { events: unknown[] }) => {
            n += res.events.length;
            if (n >= count) {
              clearTimeout(timer);
              resolve();
            }
          });
          w.on('error', (err: unknown) => {
            clearTimeout(timer);
            reject(err instanceof Error ? err : new Error(String(err)));
          });
        });
      } finally {
        await w.cancel();
      }
    },
    watcher: (prefix) => forkWatchers({ mode: 'etcd', count: 1, target: endpoint, prefix, marker: '' }),
    async clear(prefix) {
      await this.remove(prefix);
      await this.compact();
    },
    async remove(prefix) {
      // One key per delete, as an API server writes: a multi-key deleteRange gives every event the
      // same revision, and km's watch cache then applies only the first of them (see the report).
      const p = Buffer.from(prefix);
      const keys = (await raw.kv.range({ key: p, range_end: prefixEnd(p), keys_only: true }, opts())).kvs.map((kv) => kv.key);
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < keys.length) await raw.kv.deleteRange({ key: keys[next++]! }, opts());
        }),
      );
    },
    async compact() {
      const rev = await this.currentRevision();
      await raw.kv.compact({ revision: rev, physical: true }, opts());
      await raw.maintenance.defragment(opts());
    },
    async close() {
      // the caller owns the client
    },
  };
}

export function sqliteTwin(): RawTwin {
  const dir = mkdtempSync(join(tmpdir(), 'km-bench-rawsqlite-'));
  const s = SqliteStorage.open({ dataDir: dir });
  return {
    name: 'raw SqliteStorage',
    async create(key, value) {
      return (await s.create(key, value)).modRevision;
    },
    async update(key, value, modRevision) {
      return (await s.update(key, value, modRevision)).modRevision;
    },
    async get(key) {
      await s.get(key);
    },
    async range(prefix) {
      return (await s.list(prefix)).items.length;
    },
    async rangeParse(prefix) {
      const items = (await s.list(prefix)).items;
      for (const kv of items) JSON.parse(kv.value.toString('utf8'));
      return items.length;
    },
    async pagedRange(prefix, limit) {
      let n = 0;
      let page = await s.list(prefix, { limit });
      for (let k = 0; k < 1_000_000; k++) {
        n += page.items.length;
        if (!page.more || page.items.length === 0) return n;
        page = await s.list(prefix, { limit, atRevision: page.revision, continueFrom: page.items[page.items.length - 1]!.key });
      }
      return n;
    },
    count: (prefix) => s.count(prefix),
    currentRevision: () => s.currentRevision(),
    async replay(prefix, fromRevision, count) {
      const w = s.watch(prefix, fromRevision);
      let n = 0;
      try {
        for await (const _ev of w) if (++n >= count) break;
      } finally {
        w.close();
      }
      if (n < count) throw new Error(`sqlite replay ended after ${n}/${count} events`);
    },
    watcher: (prefix) => async (onDelivered) => {
      const w = s.watch(prefix, await s.currentRevision());
      const pump = (async () => {
        for await (const ev of w) if (ev.type === 'put') onDelivered(ev.key.slice(ev.key.lastIndexOf('/') + 1), wallMs());
      })();
      return async () => {
        w.close();
        await pump;
      };
    },
    async clear(prefix) {
      await this.remove(prefix);
    },
    async compact() {
      // better-sqlite3 reuses freed pages itself; kine-style compaction is not part of these runs
    },
    async remove(prefix) {
      for (;;) {
        const page = await s.list(prefix, { limit: 1000 });
        if (page.items.length === 0) return;
        await Promise.all(page.items.map((kv) => s.delete(kv.key)));
      }
    },
    async close() {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
