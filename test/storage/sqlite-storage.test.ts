import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import type { Storage } from '../../src/storage/interface';
import { runStorageSuite } from './contract-suite';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'km-sqlite-'));
}

runStorageSuite('sqlite', async () => {
  const dir = tempDir();
  let storage: Storage = SqliteStorage.open({ dataDir: dir });
  return {
    storage,
    restart: async () => {
      await storage.close();
      storage = SqliteStorage.open({ dataDir: dir });
      return storage;
    },
    cleanup: async () => {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
