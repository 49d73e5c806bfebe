/** Test harness: the API app over a real SqliteStorage in a temp dir (supertest drives `app`: the server's own listener). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { EtcdStorage } from '../../src/storage/etcd-storage';
import type { Storage } from '../../src/storage/interface';
import { startEtcd } from '../helpers/etcd-process';
import { createApiApp, startApiServer } from '../../src/apiserver/server';
import type { ApiApp, ApiAppOptions, ApiServerOptions } from '../../src/apiserver/server';

export interface Harness {
  api: ApiApp;
  /** What `km apiserver` serves: the core API's direct path, then express for the rest. */
  app: http.RequestListener;
  storage: SqliteStorage;
  close(): Promise<void>;
}

export async function startHarness(opts: Partial<ApiAppOptions> = {}): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-api-'));
  const storage = SqliteStorage.open({ dataDir, synchronous: 'NORMAL' });
  const api = createApiApp({ storage, ...opts });
  await api.bootstrap();
  return {
    api,
    app: api.listener,
    storage,
    async close() {
      await api.close();
      await storage.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface LiveServer {
  url: string;
  server: http.Server;
  storage: Storage;
  close(): Promise<void>;
}

/** A listening server on 127.0.0.1 (for real-HTTP clients), over SQLite or a real etcd process. */
export async function startLive(
  opts: { serviceClusterIpRange?: string; backend?: 'sqlite' | 'etcd'; server?: Partial<Omit<ApiServerOptions, 'storage' | 'address' | 'port'>> } = {},
): Promise<LiveServer> {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  if (opts.backend === 'etcd') {
    const etcd = await startEtcd();
    storage = EtcdStorage.create({ endpoints: [etcd.endpoint] });
    cleanup = () => etcd.cleanup();
  } else {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-live-'));
    storage = SqliteStorage.open({ dataDir, synchronous: 'NORMAL' });
    cleanup = async () => fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const s = await startApiServer({ ...opts.server, storage, address: '127.0.0.1', port: 0, serviceClusterIpRange: opts.serviceClusterIpRange });
  return {
    url: s.url,
    server: s.server,
    storage,
    async close() {
      await s.close();
      await storage.close();
      await cleanup();
    },
  };
}

export const pod = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...((extra['metadata'] as object) ?? {}) },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...((extra['spec'] as object) ?? {}) },
});
