/**
 * Raw-storage twins: the same operations the API server ends up doing, issued straight at the
 * store from the load-generator process (which is thus the storage client, as benchmarks.md asks).
 * etcd: the etcd3 client with km's own options (etcd-client.ts) and create-if-absent txns;
 * embedded: SqliteStorage in this process (its own database file, same pragmas as the server).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { prefixEnd } from '../../src/storage/etcd-watch';
import { SqliteStorage } from '../../src/storage/sqlite-storage';

const DEADLINE_MS = 30_000;

export interface RawTwin {
  readonly name: string;
  create(key: string, value: Buffer): Promise<void>;
  get(key: string): Promise<void>;
  /** Consistent range; resolves the number of keys. */
  range(prefix: string): Promise<number>;
  /** Remove everything this twin wrote under `prefix`. */
  clear(prefix: string): Promise<void>;
  close(): Promise<void>;
}

export function etcdTwin(raw: Etcd3): RawTwin {
  return {
    name: 'raw etcd3',
    async create(key, value) {
      const k = Buffer.from(key);
      const res = await raw.kv.txn(
        { compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }], success: [{ request_put: { key: k, value } }] },
        { deadline: Date.now() + DEADLINE_MS },
      );
      if (!res.succeeded) throw new Error(`raw create lost: ${key}`);
    },
    async get(key) {
      const res = await raw.kv.range({ key: Buffer.from(key) }, { deadline: Date.now() + DEADLINE_MS });
      if (res.kvs.length !== 1) throw new Error(`raw get: ${key} absent`);
    },
    async range(prefix) {
      const p = Buffer.from(prefix);
      const res = await raw.kv.range({ key: p, range_end: prefixEnd(p), serializable: false }, { deadline: Date.now() + DEADLINE_MS });
      return res.kvs.length;
    },
    async clear(prefix) {
      const p = Buffer.from(prefix);
      const res = await raw.kv.deleteRange({ key: p, range_end: prefixEnd(p) });
      await raw.kv.compact({ revision: Number(res.header.revision), physical: true });
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
      await s.create(key, value);
    },
    async get(key) {
      await s.get(key);
    },
    async range(prefix) {
      return (await s.list(prefix)).items.length;
    },
    async clear(prefix) {
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
