import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
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

const REPO_ROOT = path.resolve(__dirname, '../..');
const CRASH_WRITER = path.join(__dirname, 'fixtures', 'sqlite-crash-writer.ts');
const NO_CLOSE = path.join(__dirname, 'fixtures', 'sqlite-no-close.ts');
const CLOSE_IN_FLIGHT = path.join(__dirname, 'fixtures', 'sqlite-close-in-flight.ts');

/** The writer worker of a store, to simulate its crash (tests only). */
function writerWorker(storage: SqliteStorage): Worker {
  const writer = (storage as unknown as { writer?: { worker: Worker } }).writer;
  if (writer === undefined) throw new Error('the store has no writer worker');
  return writer.worker;
}

/**
 * Runs the crash writer on `dir`, SIGKILLs it once `killAfter` acks were read, and returns every
 * key it acknowledged with its revision (including acks read after the kill was sent).
 */
function crashWriter(dir: string, prefix: string, killAfter: number): Promise<Map<string, number>> {
  const child = spawn(process.execPath, ['--import', 'tsx', CRASH_WRITER, dir, prefix, '32', '1000000'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked = new Map<string, number>();
  let pendingText = '';
  let stderr = '';
  let killed = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`crash writer did not reach ${killAfter} acks in time; stderr: ${stderr}`));
    }, 45_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      pendingText += chunk.toString();
      const lines = pendingText.split('\n');
      pendingText = lines.pop() ?? '';
      for (const line of lines) {
        const [tag, key, rev] = line.split(' ');
        if (tag === 'ack') acked.set(key, Number(rev));
      }
      if (!killed && acked.size >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    // 'close' fires after stdout drained, so acks printed just before the kill are counted too.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) resolve(acked);
      else reject(new Error(`crash writer exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

function integrityCheck(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}

function rowCount(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM kine').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('SqliteStorage', () => {
  let dir: string;
  let storage: SqliteStorage;

  beforeEach(() => {
    dir = tempDir();
    storage = SqliteStorage.open({ dataDir: dir });
  });
  afterEach(async () => {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a writer killed with SIGKILL right after acknowledging writes loses none of them, and the file passes integrity_check', async () => {
    await storage.close();
    let lastRevision = 0;
    for (const [round, killAfter] of [300, 1500, 3000].entries()) {
      const acked = await crashWriter(dir, `/crash/r${round}/`, killAfter);
      expect(acked.size).toBeGreaterThanOrEqual(killAfter);
      expect(integrityCheck(path.join(dir, 'km.db'))).toBe('ok');

      storage = SqliteStorage.open({ dataDir: dir });
      const missing: string[] = [];
      for (const [key, rev] of acked) {
        const kv = await storage.get(key).catch(() => undefined);
        if (kv === undefined) missing.push(key);
        else {
          expect(kv.modRevision).toBe(rev);
          expect(kv.value.toString()).toBe(`value-of-${key}`);
        }
      }
      expect(missing).toEqual([]);
      const maxAcked = Math.max(...acked.values());
      const current = await storage.currentRevision();
      expect(current).toBeGreaterThanOrEqual(maxAcked);
      expect(current).toBeGreaterThan(lastRevision);
      // The revision continues after the crash: the next write gets exactly current + 1.
      expect((await storage.create(`/crash/r${round}-after`, Buffer.from('x'))).modRevision).toBe(current + 1);
      lastRevision = current + 1;
      await storage.close();
    }
    storage = SqliteStorage.open({ dataDir: dir });
  }, 120_000);

  it('paging a 20k-key prefix 500 at a time yields exactly the snapshot while writes happen between pages', async () => {
    const N = 20_000;
    const key = (i: number): string => `/registry/pods/ns/pod-${String(i).padStart(5, '0')}`;
    // Neighbours that share bytes with the prefix must stay out of it.
    await storage.create('/registry/pods/ns', Buffer.from('bare'));
    await storage.create('/registry/pods/ns2/x', Buffer.from('sibling'));
    await storage.create('/registry/pods/nr/x', Buffer.from('before'));
    for (let start = 0; start < N; start += 1000) {
      await Promise.all(Array.from({ length: 1000 }, (_, j) => storage.create(key(start + j), Buffer.from(`v${start + j}`))));
    }
    const prefix = '/registry/pods/ns/';
    const snapshot = await storage.list(prefix);
    expect(snapshot.items).toHaveLength(N);

    const seen: string[] = [];
    let page = await storage.list(prefix, { limit: 500 });
    const rev = page.revision;
    let pages = 1;
    for (;;) {
      for (const kv of page.items) seen.push(`${kv.key}@${kv.modRevision}=${kv.value.toString()}`);
      if (!page.more) break;
      expect(page.items).toHaveLength(500);
      const n = seen.length;
      // Churn on both sides of the cursor plus a new key inside the remaining range.
      const ahead = await storage.get(key(Math.min(n + 10, N - 1)));
      await storage.update(ahead.key, Buffer.from('changed'), ahead.modRevision);
      await storage.delete(key(n + 20 < N ? n + 20 : n - 20));
      await storage.create(`${key(n + 30)}-new`, Buffer.from('new'));
      page = await storage.list(prefix, { limit: 500, continueFrom: page.items[page.items.length - 1].key, atRevision: rev });
      pages += 1;
      expect(pages).toBeLessThanOrEqual(N / 500);
    }
    expect(pages).toBe(N / 500);
    expect(seen).toEqual(snapshot.items.map((kv) => `${kv.key}@${kv.modRevision}=${kv.value.toString()}`));
    // Each of the 39 rounds of churn deleted one key and created one.
    expect(await storage.count(prefix)).toBe(N);
  }, 120_000);

  it('a keysOnly list returns the keys and revisions of the full list at the same revision, with empty values', async () => {
    for (let i = 0; i < 30; i++) await storage.create(`/k/item-${String(i).padStart(2, '0')}`, Buffer.from(`value-${i}`));
    const first = await storage.get('/k/item-03');
    await storage.update(first.key, Buffer.from('changed'), first.modRevision);
    await storage.delete('/k/item-07');
    const full = await storage.list('/k/');
    const keys = await storage.list('/k/', { keysOnly: true });
    expect(keys.revision).toBe(full.revision);
    expect(keys.items.map((kv) => [kv.key, kv.modRevision, kv.createRevision])).toEqual(
      full.items.map((kv) => [kv.key, kv.modRevision, kv.createRevision]),
    );
    expect(keys.items.every((kv) => kv.value.length === 0)).toBe(true);
    const page = await storage.list('/k/', { keysOnly: true, limit: 10, continueFrom: '/k/item-09', atRevision: full.revision });
    expect(page.items.map((kv) => kv.key)).toEqual(full.items.slice(9, 19).map((kv) => kv.key));
    expect(page.more).toBe(true);
  });

  it('a watch that stops reading past its queue limit catches up from the table without a gap', async () => {
    await storage.close();
    storage = SqliteStorage.open({ dataDir: dir, watchQueueLimit: 50 });
    const start = await storage.create('/w/start', Buffer.from('s'));
    const w = storage.watch('/w/', start.modRevision);
    const it = w[Symbol.asyncIterator]();
    const revs: number[] = [];
    for (let i = 0; i < 500; i++) revs.push((await storage.create(`/w/k${i}`, Buffer.from(String(i)))).modRevision);
    const got: number[] = [];
    for (let i = 0; i < 500; i++) {
      const r = await it.next();
      if (r.done === true) throw new Error('watch ended early');
      got.push(r.value.modRevision);
    }
    expect(got).toEqual(revs);
    w.close();
  });

  it('a watch that fell behind its queue limit and was overtaken by compaction fails with Expired, not a silent skip', async () => {
    await storage.close();
    storage = SqliteStorage.open({ dataDir: dir, watchQueueLimit: 10 });
    const start = await storage.create('/w/start', Buffer.from('s'));
    const w = storage.watch('/w/', start.modRevision);
    const it = w[Symbol.asyncIterator]();
    for (let i = 0; i < 100; i++) await storage.create(`/w/k${i}`, Buffer.from(String(i)));
    await storage.compact(await storage.currentRevision());
    await expect(it.next()).rejects.toMatchObject({ code: 'Expired' });
    w.close();
  });

  it('compaction prunes superseded revisions and tombstones from the table but keeps the state at the point', async () => {
    const c = await storage.create('/c/a', Buffer.from('1'));
    let rev = c.modRevision;
    for (let i = 2; i <= 10; i++) rev = (await storage.update('/c/a', Buffer.from(String(i)), rev)).modRevision;
    await storage.create('/c/b', Buffer.from('b'));
    await storage.delete('/c/b');
    await storage.create('/c/keep', Buffer.from('k'));
    expect(rowCount(storage.file)).toBe(13);
    const point = await storage.currentRevision();
    await storage.compact(point);
    // Left: the latest /c/a and /c/keep; every older /c/a row and both /c/b rows are gone.
    expect(rowCount(storage.file)).toBe(2);
    expect((await storage.list('/c/', { atRevision: point })).items.map((kv) => kv.key)).toEqual(['/c/a', '/c/keep']);
    expect((await storage.get('/c/a')).value.toString()).toBe('10');
    // The revision does not go back even when compaction removed the newest row (a tombstone).
    await storage.delete('/c/keep');
    const afterDelete = await storage.currentRevision();
    await storage.compact(afterDelete);
    await storage.close();
    storage = SqliteStorage.open({ dataDir: dir });
    expect(await storage.currentRevision()).toBe(afterDelete);
    expect((await storage.create('/c/new', Buffer.from('n'))).modRevision).toBe(afterDelete + 1);
  });

  it('a compaction interrupted after recording its point is finished when the file is reopened', async () => {
    const c = await storage.create('/r/a', Buffer.from('0'));
    let rev = c.modRevision;
    for (let i = 1; i <= 20; i++) rev = (await storage.update('/r/a', Buffer.from(String(i)), rev)).modRevision;
    await storage.close();
    // What a crash right after recording the compaction point leaves behind: the point, no pruning.
    const raw = new Database(path.join(dir, 'km.db'));
    raw.prepare("INSERT INTO km_meta (key, value) VALUES ('compact_rev', ?)").run(rev);
    raw.close();
    expect(rowCount(path.join(dir, 'km.db'))).toBe(21);

    storage = SqliteStorage.open({ dataDir: dir });
    expect(await storage.compactedRevision()).toBe(rev);
    await expect(storage.list('/r/', { atRevision: rev - 1 })).rejects.toMatchObject({ code: 'Expired' });
    await storage.compact(rev); // a no-op that waits for the resumed pruning
    expect(rowCount(storage.file)).toBe(1);
    expect((await storage.get('/r/a')).value.toString()).toBe('20');
  });

  it('close commits writes already queued, ends live watches with Unavailable, and later calls fail with Unavailable', async () => {
    const w = storage.watch('/q/', 0);
    const it = w[Symbol.asyncIterator]();
    const pendingNext = it.next();
    const queued = storage.create('/q/queued', Buffer.from('q'));
    await storage.close();
    const kv = await queued;
    expect((await pendingNext).value).toMatchObject({ key: '/q/queued', modRevision: kv.modRevision });
    await expect(it.next()).rejects.toMatchObject({ code: 'Unavailable' });
    await expect(storage.get('/q/queued')).rejects.toMatchObject({ code: 'Unavailable' });
    await expect(storage.create('/q/late', Buffer.from('x'))).rejects.toMatchObject({ code: 'Unavailable' });
    await expect(storage.list('/q/')).rejects.toMatchObject({ code: 'Unavailable' });
    await expect(storage.watch('/q/', 0)[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'Unavailable' });

    storage = SqliteStorage.open({ dataDir: dir, synchronous: 'NORMAL', fileName: 'km.db' });
    expect((await storage.get('/q/queued')).modRevision).toBe(kv.modRevision);
  });

  it('writes issued together commit as one group, each with its own revision and outcome, in issue order', async () => {
    await storage.create('/g/taken', Buffer.from('t'));
    const before = await storage.currentRevision();
    const results = await Promise.allSettled([
      storage.create('/g/a', Buffer.from('a')),
      storage.create('/g/taken', Buffer.from('again')),
      storage.create('/g/b', Buffer.from('b')),
      storage.update('/g/a', Buffer.from('a2'), before + 1),
      storage.delete('/g/b'),
      storage.update('/g/missing', Buffer.from('m'), 1),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.modRevision : (r.reason as { code: string }).code))).toEqual([
      before + 1,
      'AlreadyExists',
      before + 2,
      before + 3,
      before + 4,
      'NotFound',
    ]);
    expect((await storage.get('/g/a')).value.toString()).toBe('a2');
    await expect(storage.get('/g/b')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('when the writer worker dies, its in-flight writes fail with Unavailable, live watches end with Unavailable, and the next write continues the revision', async () => {
    const base = await storage.create('/x/base', Buffer.from('b'));
    const w = storage.watch('/x/', base.modRevision);
    const it = w[Symbol.asyncIterator]();
    const inflight = storage.create('/x/inflight', Buffer.from('i'));
    await writerWorker(storage).terminate();
    // Its outcome is unknown (it may or may not have committed), so it is never reported as done.
    await expect(inflight).rejects.toMatchObject({ code: 'Unavailable' });
    await expect(it.next()).rejects.toMatchObject({ code: 'Unavailable' });

    const current = await storage.currentRevision();
    const after = await storage.create('/x/after', Buffer.from('a'));
    expect(after.modRevision).toBe(current + 1);
    // A watch resumed from the last revision it saw gets everything committed since, from the log.
    const resumed = storage.watch('/x/', base.modRevision)[Symbol.asyncIterator]();
    const keys: string[] = [];
    for (;;) {
      const r = await resumed.next();
      if (r.done === true) throw new Error('watch ended early');
      keys.push(r.value.key);
      if (r.value.modRevision === after.modRevision) break;
    }
    expect(keys[keys.length - 1]).toBe('/x/after');
    expect(keys.filter((k) => k !== '/x/inflight')).toEqual(['/x/after']);
  });

  it('a data dir can be open in one store at a time, in this process or another; close (or the end of the process) releases it', async () => {
    expect(() => SqliteStorage.open({ dataDir: dir })).toThrow(/in use by another store/);
    const other = spawnSync(process.execPath, ['--import', 'tsx', NO_CLOSE, dir, '/lock/key'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/in use by another store/);
    // The first store still works, and nothing was written by the refused ones.
    await expect(storage.get('/lock/key')).rejects.toMatchObject({ code: 'NotFound' });
    await storage.close();
    storage = SqliteStorage.open({ dataDir: dir });
    expect(await storage.currentRevision()).toBe(0);
  });

  it('a process that wrote without closing its store exits by itself, and its acknowledged write is on disk', async () => {
    await storage.close();
    const child = spawnSync(process.execPath, ['--import', 'tsx', NO_CLOSE, dir, '/nc/key'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(0);
    const rev = Number(/ack (\d+)/.exec(child.stdout)?.[1]);
    expect(rev).toBeGreaterThan(0);
    const db = new Database(path.join(dir, 'km.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT id FROM kine WHERE name = ?').get('/nc/key')).toEqual({ id: rev });
    } finally {
      db.close();
    }
    storage = SqliteStorage.open({ dataDir: dir });
  });

  it('closing the store while writes are in flight, again and again, neither crashes the process nor loses an acknowledged write', async () => {
    await storage.close();
    // In a child process: a native crash there is a failed test, not a dead test runner.
    const child = spawnSync(process.execPath, ['--import', 'tsx', CLOSE_IN_FLIGHT, dir, '40', '64'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 50_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(child.error).toBeUndefined();
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const lines = child.stdout.trim().split('\n');
    expect(lines.pop()).toBe('done');
    // Every write was acknowledged (40 rounds of 64 creates, plus 16 updates and 16 deletes after the first).
    expect(lines).toHaveLength(40 * 64 + 39 * 32);
    const latest = new Map<string, { rev: number; value: string }>();
    const revs: number[] = [];
    for (const line of lines) {
      const [, key, rev, value] = line.split(' ');
      revs.push(Number(rev));
      latest.set(key, { rev: Number(rev), value });
    }
    // Acknowledged in revision order, one revision each, with no gap across all the reopens.
    expect(revs).toEqual(lines.map((_, i) => i + 1));
    const lastRev = revs[revs.length - 1];

    storage = SqliteStorage.open({ dataDir: dir });
    expect(await storage.currentRevision()).toBe(lastRev);
    const live = await storage.list('/c/');
    const expected = [...latest].filter(([, v]) => v.value !== '-').map(([key, v]) => ({ key, rev: v.rev, value: v.value }));
    expect(live.items.map((kv) => ({ key: kv.key, rev: kv.modRevision, value: kv.value.toString() }))).toEqual(
      expected.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))),
    );
    expect(rowCount(storage.file)).toBe(lines.length);
    expect(integrityCheck(storage.file)).toBe('ok');
  });

  it('close ends the writer worker', async () => {
    await storage.create('/l/a', Buffer.from('a'));
    const worker = writerWorker(storage);
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    await storage.close();
    await exited;
    expect(worker.threadId).toBe(-1);
  });
});
