/**
 * Chooses the storage backend from the server flags: etcd when `--etcd-servers` is given,
 * otherwise the embedded SQLite store in the data dir.
 */
import { EtcdStorage } from './etcd-storage';
import type { Storage } from './interface';
import { SqliteStorage } from './sqlite-storage';

export interface CreateStorageOptions {
  /** etcd endpoints (each may be a comma-separated list); empty or undefined selects SQLite. */
  etcdServers?: string[];
  dataDir: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Per-call deadline for etcd (default 5000 ms). */
  requestTimeoutMs?: number;
}

export async function createStorage(opts: CreateStorageOptions): Promise<Storage> {
  const servers = (opts.etcdServers ?? []).filter((s) => s.trim() !== '');
  if (servers.length > 0) {
    const storage = EtcdStorage.create({
      endpoints: servers,
      ...(opts.caFile !== undefined ? { caFile: opts.caFile } : {}),
      ...(opts.certFile !== undefined ? { certFile: opts.certFile } : {}),
      ...(opts.keyFile !== undefined ? { keyFile: opts.keyFile } : {}),
      ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    });
    return storage;
  }
  return SqliteStorage.open({ dataDir: opts.dataDir });
}
