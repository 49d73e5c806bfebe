/**
 * createStorage picks the backend from the flags: etcd when servers are given, else the embedded
 * SQLite store in the data dir.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage } from '../../src/storage/factory';
import { startEtcd } from '../helpers/etcd-process';

describe('createStorage', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'km-factory-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses etcd when etcd servers are given (comma-separated form accepted), storing nothing in the data dir', async () => {
    const proc = await startEtcd();
    try {
      const storage = await createStorage({ etcdServers: [`${proc.endpoint},${proc.endpoint}`], dataDir });
      try {
        expect(storage.kind).toBe('etcd');
        const kv = await storage.create('/registry/f/a', Buffer.from('1'));
        expect((await storage.get('/registry/f/a')).modRevision).toBe(kv.modRevision);
        expect(readdirSync(dataDir)).toEqual([]);
      } finally {
        await storage.close();
      }
    } finally {
      await proc.cleanup();
    }
  });

  it('uses the embedded SQLite store in the data dir when no etcd servers are given, and the data survives a reopen', async () => {
    const first = await createStorage({ etcdServers: [''], dataDir });
    expect(first.kind).toBe('sqlite');
    const kv = await first.create('/registry/f/a', Buffer.from('kept'));
    await first.close();
    const second = await createStorage({ dataDir });
    try {
      const got = await second.get('/registry/f/a');
      expect(got.value.toString()).toBe('kept');
      expect(got.modRevision).toBe(kv.modRevision);
    } finally {
      await second.close();
    }
  });
});
