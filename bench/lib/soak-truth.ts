/**
 * The soak's ground truth, read from the store itself, never through km: every change under the
 * pods prefix in revision order (a raw etcd3 watch, or the embedded store's log table polled
 * read-only beside km's writer), the compaction point, and at the end the stored pods.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { Etcd3, type IKeyValue } from 'etcd3';
import { etcdClientOptions } from '../../src/storage/etcd-client';
import { sleep } from './stats';

export interface TruthEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  ns: string;
  name: string;
}

export interface StoredPod {
  ns: string;
  rv: number;
  labels: Record<string, string>;
}

export interface Truth {
  /** Every change under the prefix since the truth started, in revision order. */
  readonly events: TruthEvent[];
  /** The store's compaction point (0 = never compacted). */
  compactedRevision(): Promise<number>;
  /** Every pod in the store now, by name. */
  storedPods(): Promise<Map<string, StoredPod>>;
  close(): Promise<void>;
}

export const PODS_PREFIX = '/registry/pods/';

function parseKey(key: string): { ns: string; name: string } {
  const [ns = '', name = ''] = key.slice(PODS_PREFIX.length).split('/');
  return { ns, name };
}

const labelsOf = (value: Buffer | string): Record<string, string> =>
  ((JSON.parse(value.toString()) as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {});

/** etcd: a raw watch on the prefix from revision `after` + 1 (the soak's own etcd3 client, km's client options). */
export async function etcdTruth(endpoint: string): Promise<Truth> {
  const client = new Etcd3(etcdClientOptions({ endpoints: [endpoint] }));
  const events: TruthEvent[] = [];
  const after = Number((await client.get(PODS_PREFIX).exec()).header.revision);
  const push = (type: TruthEvent['type'], kv: IKeyValue): void => {
    events.push({ rv: Number(kv.mod_revision), type, ...parseKey(kv.key.toString()) });
  };
  const watcher = await client
    .watch()
    .prefix(PODS_PREFIX)
    .startRevision(String(after + 1))
    .create();
  watcher.on('put', (kv) => push(kv.create_revision === kv.mod_revision ? 'ADDED' : 'MODIFIED', kv));
  watcher.on('delete', (kv) => push('DELETED', kv));
  const compactedAt = async (r: number): Promise<boolean> => {
    try {
      await client.get(PODS_PREFIX).revision(r).exec();
      return false;
    } catch (err) {
      if (/compacted/.test(String(err))) return true;
      throw err;
    }
  };
  let compacted = 0;
  return {
    events,
    async compactedRevision() {
      // A range at revision r fails iff r < the compact revision: binary search above the last one seen.
      if (!(await compactedAt(Math.max(compacted, 1)))) return compacted;
      let lo = Math.max(compacted, 1) + 1;
      let hi = Number((await client.get(PODS_PREFIX).exec()).header.revision);
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (await compactedAt(mid)) lo = mid + 1;
        else hi = mid;
      }
      return (compacted = lo);
    },
    async storedPods() {
      const out = new Map<string, StoredPod>();
      const res = await client.getAll().prefix(PODS_PREFIX).exec();
      for (const kv of res.kvs) {
        const { ns, name } = parseKey(kv.key.toString());
        out.set(name, { ns, rv: Number(kv.mod_revision), labels: labelsOf(kv.value) });
      }
      return out;
    },
    async close() {
      await watcher.cancel().catch(() => undefined);
      client.close();
    },
  };
}

/**
 * The embedded store: km's log table, read-only (WAL lets a reader work beside km's writer), polled
 * every `pollMs` for rows above the last one seen. Compaction prunes only rows older than one
 * compaction interval, far behind the poll.
 */
export function sqliteTruth(dataDir: string, pollMs = 500): Truth {
  const db = new Database(path.join(dataDir, 'km.db'), { readonly: true, fileMustExist: true });
  const end = PODS_PREFIX.slice(0, -1) + '0'; // the byte range of the prefix ('/' + 1 = '0')
  const newRows = db.prepare<[number, string, string], { id: number; name: string; created: number; deleted: number }>(
    'SELECT id, name, created, deleted FROM kine WHERE id > ? AND name >= ? AND name < ? ORDER BY id',
  );
  const compactRev = db.prepare<[], { value: number }>("SELECT value FROM km_meta WHERE key = 'compact_rev'");
  const latest = db.prepare<[string, string, string, string], { name: string; id: number; value: Buffer }>(
    `SELECT k.name, k.id, k.value FROM kine k
       JOIN (SELECT name, MAX(id) AS id FROM kine WHERE name >= ? AND name < ? GROUP BY name) m ON k.id = m.id
      WHERE k.deleted = 0 AND k.name >= ? AND k.name < ?`,
  );
  const events: TruthEvent[] = [];
  let last = 0;
  const poll = (): void => {
    for (const r of newRows.all(last, PODS_PREFIX, end)) {
      events.push({ rv: r.id, type: r.deleted === 1 ? 'DELETED' : r.created === 1 ? 'ADDED' : 'MODIFIED', ...parseKey(r.name) });
      last = r.id;
    }
  };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      poll();
      await sleep(pollMs);
    }
  })();
  return {
    events,
    compactedRevision: async () => compactRev.get()?.value ?? 0,
    async storedPods() {
      poll();
      const out = new Map<string, StoredPod>();
      for (const r of latest.all(PODS_PREFIX, end, PODS_PREFIX, end)) {
        const { ns, name } = parseKey(r.name);
        out.set(name, { ns, rv: r.id, labels: labelsOf(r.value) });
      }
      return out;
    },
    async close() {
      stopped = true;
      await loop;
      db.close();
    },
  };
}
