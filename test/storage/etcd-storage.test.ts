/**
 * EtcdStorage against a real etcd 3.4 process: the shared contract suite, plus what only a
 * networked backend can do wrong (outages, restarts under a live watch, endpoint forms).
 */
import net from 'node:net';
import { EtcdStorage } from '../../src/storage/etcd-storage';
import { parseEndpoints } from '../../src/storage/etcd-client';
import { isStorageError } from '../../src/storage/errors';
import type { KeyValue, WatchEvent } from '../../src/storage/interface';
import { startEtcd, type EtcdProcess } from '../helpers/etcd-process';
import { runStorageSuite } from './contract-suite';

jest.setTimeout(120_000);

let etcd: EtcdProcess | undefined;
async function sharedEtcd(): Promise<EtcdProcess> {
  etcd ??= await startEtcd();
  return etcd;
}

afterAll(async () => {
  await etcd?.cleanup();
});

runStorageSuite('etcd', async () => {
  const proc = await sharedEtcd();
  let storage = EtcdStorage.create({ endpoints: [proc.endpoint], requestTimeoutMs: 5000 });
  return {
    storage,
    restart: async () => {
      await storage.close();
      await proc.kill9();
      await proc.restart();
      storage = EtcdStorage.create({ endpoints: [proc.endpoint], requestTimeoutMs: 5000 });
      return storage;
    },
    cleanup: async () => {
      await storage.close();
    },
  };
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`'s outcome, or 'hung' after `ms` (the timer is cleared so nothing outlives the test). */
async function outcomeWithin(p: Promise<string>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<string>((r) => (timer = setTimeout(() => r('hung'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

test('a call that never gets a connection (a listener that accepts TCP and stays silent) fails Unavailable at its deadline, not Timeout: it never reached etcd', async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const storage = EtcdStorage.create({ endpoints: [`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`], requestTimeoutMs: 500 });
  try {
    for (const op of [() => storage.get('/registry/pods/a'), () => storage.create('/registry/pods/a', Buffer.from('1'))]) {
      const outcome = await outcomeWithin(
        op().then(
          () => 'succeeded',
          (err: unknown) => (isStorageError(err) ? err.code : `non-storage error: ${String(err)}`),
        ),
        10_000,
      );
      expect(outcome).toBe('Unavailable');
    }
  } finally {
    await storage.close();
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

describe('EtcdStorage outages', () => {
  let proc: EtcdProcess;
  let storage: EtcdStorage;

  beforeEach(async () => {
    proc = await startEtcd();
    storage = EtcdStorage.create({ endpoints: [proc.endpoint], requestTimeoutMs: 1000, watchResumeTimeoutMs: 15_000 });
  });

  afterEach(async () => {
    await storage.close();
    await proc.cleanup();
  });

  it('calls fail with Unavailable (never hang) while etcd is down, and succeed again after it restarts with the same client', async () => {
    const kv = await storage.create('/registry/pods/a', Buffer.from('1'));
    await proc.kill9();

    const ops: Array<[string, () => Promise<unknown>]> = [
      ['get', () => storage.get('/registry/pods/a')],
      ['list', () => storage.list('/registry/pods/')],
      ['count', () => storage.count('/registry/pods/')],
      ['create', () => storage.create('/registry/pods/b', Buffer.from('2'))],
      ['update', () => storage.update('/registry/pods/a', Buffer.from('2'), kv.modRevision)],
      ['delete', () => storage.delete('/registry/pods/a')],
      ['currentRevision', () => storage.currentRevision()],
    ];
    for (const [name, op] of ops) {
      // The bound is the client's own deadline plus slack: a hang would trip it.
      const outcome = await outcomeWithin(
        op().then(
          () => 'succeeded',
          (err: unknown) => (isStorageError(err) ? err.code : `non-storage error: ${String(err)}`),
        ),
        10_000,
      );
      expect([name, outcome]).toEqual([name, 'Unavailable']);
    }

    await proc.restart();
    // The same client recovers on its own (bounded: a few attempts while gRPC reconnects).
    let got: KeyValue | undefined;
    for (let i = 0; i < 50 && got === undefined; i++) {
      try {
        got = await storage.get('/registry/pods/a');
      } catch (err) {
        if (!isStorageError(err, 'Unavailable') && !isStorageError(err, 'Timeout')) throw err;
        await sleep(200);
      }
    }
    expect(got?.value.toString()).toBe('1');
    const b = await storage.create('/registry/pods/b', Buffer.from('2'));
    expect(b.modRevision).toBeGreaterThan(kv.modRevision);
  });

  it('calls to a stalled etcd (SIGSTOP) fail at the deadline, Timeout once sent (Unavailable if no connection could be made), and work again after SIGCONT', async () => {
    const kv = await storage.create('/registry/stall/a', Buffer.from('1'));
    proc.member.pause();
    try {
      // The first call goes out on the live connection: its outcome is unknown, a Timeout. Later
      // ones may find the connection reset and wait for a new one that the frozen etcd never
      // completes: they never reached etcd, so Unavailable.
      const ops = [() => storage.get('/registry/stall/a'), () => storage.create('/registry/stall/b', Buffer.from('2'))];
      for (const [i, op] of ops.entries()) {
        const outcome = await outcomeWithin(
          op().then(
            () => 'succeeded',
            (err: unknown) => (isStorageError(err) ? err.code : `non-storage error: ${String(err)}`),
          ),
          10_000,
        );
        if (i === 0) expect(outcome).toBe('Timeout');
        else expect(['Timeout', 'Unavailable']).toContain(outcome);
      }
    } finally {
      proc.member.resume();
    }
    expect((await storage.get('/registry/stall/a')).modRevision).toBe(kv.modRevision);
  });

  it('a watch across an etcd kill -9 and restart either continues with no gap and no duplicate, or ends with an error', async () => {
    const prefix = '/registry/pods/';
    const r0 = await storage.currentRevision();
    const watch = storage.watch(prefix, r0);
    const received: WatchEvent[] = [];
    let ended: 'error' | 'done' | undefined;
    let endError: unknown;
    const reading = (async () => {
      try {
        for await (const ev of watch) received.push(ev);
        ended = 'done';
      } catch (err) {
        ended = 'error';
        endError = err;
      }
    })();

    // A writer that keeps going through the outage; only acknowledged writes count.
    const acked = new Map<number, string>();
    let stop = false;
    const writer = (async () => {
      for (let i = 0; i < 2000 && !stop; i++) {
        try {
          const kv = await storage.create(`${prefix}p${i}`, Buffer.from(`v${i}`));
          acked.set(kv.modRevision, kv.key);
        } catch {
          await sleep(50);
        }
      }
    })();

    await sleep(300);
    await proc.kill9();
    await sleep(500);
    await proc.restart();
    await sleep(1500);
    stop = true;
    await writer;

    // Wait (bounded) until the watch caught up with the final list or ended.
    const final = await (async () => {
      for (let i = 0; i < 100; i++) {
        try {
          return await storage.list(prefix);
        } catch {
          await sleep(100);
        }
      }
      throw new Error('etcd did not come back');
    })();
    const finalRev = final.revision;
    for (let i = 0; i < 100 && ended === undefined; i++) {
      const last = received.length > 0 ? received[received.length - 1].modRevision : r0;
      if (last >= finalRev) break;
      await sleep(100);
    }
    watch.close();
    await reading;

    // No gap, no duplicate, no reordering: revisions are exactly r0+1, r0+2, ... as far as received.
    const revs = received.map((e) => e.modRevision);
    expect(revs).toEqual(Array.from({ length: revs.length }, (_, i) => r0 + 1 + i));
    if (ended === 'error') {
      expect(isStorageError(endError)).toBe(true);
    } else {
      // It continued: it saw everything up to the final list's revision, and those events fold into the list.
      expect(revs[revs.length - 1]).toBe(finalRev);
      expect(received.map((e) => e.key).sort()).toEqual(final.items.map((kv) => kv.key).sort());
    }
    // Every acknowledged write is in the final list.
    const listed = new Set(final.items.map((kv) => kv.key));
    for (const key of acked.values()) expect(listed.has(key)).toBe(true);
    expect(acked.size).toBeGreaterThan(0);
  });

  it('a watch whose etcd stays down past the resume window ends with Unavailable', async () => {
    await storage.close();
    storage = EtcdStorage.create({ endpoints: [proc.endpoint], requestTimeoutMs: 1000, watchResumeTimeoutMs: 1500 });
    const c = await storage.create('/registry/x/a', Buffer.from('1'));
    const watch = storage.watch('/registry/x/', c.modRevision - 1);
    const it = watch[Symbol.asyncIterator]();
    expect((await it.next()).value?.modRevision).toBe(c.modRevision);
    await proc.kill9();
    const outcome = await outcomeWithin(
      it.next().then(
        (r) => (r.done === true ? 'done' : `event ${r.value.modRevision}`),
        (err: unknown) => (isStorageError(err) ? err.code : String(err)),
      ),
      20_000,
    );
    expect(outcome).toBe('Unavailable');
    watch.close();
  });
});

describe('EtcdStorage endpoints', () => {
  it('accepts http, https, bare host:port and comma-separated lists, normalizing and de-duplicating', () => {
    expect(parseEndpoints(['http://127.0.0.1:4001'])).toEqual(['http://127.0.0.1:4001']);
    expect(parseEndpoints(['http://a:2379,https://b:2379', ' c:2379 ', 'http://a:2379'])).toEqual([
      'http://a:2379',
      'https://b:2379',
      'http://c:2379',
    ]);
  });

  it('rejects endpoints without a port or with another scheme', () => {
    expect(() => parseEndpoints(['http://a'])).toThrow(/port/);
    expect(() => parseEndpoints(['unix://a:1'])).toThrow(/scheme/);
    expect(() => parseEndpoints([''])).toThrow(/no etcd endpoints/);
  });

  it('a client given several endpoints keeps working when one of them is dead', async () => {
    const proc = await startEtcd();
    const dead = await startEtcd();
    const deadEndpoint = dead.endpoint;
    await dead.cleanup();
    const storage = EtcdStorage.create({ endpoints: [`${deadEndpoint},${proc.endpoint}`], requestTimeoutMs: 3000 });
    try {
      for (let i = 0; i < 10; i++) {
        const kv = await storage.create(`/registry/multi/k${i}`, Buffer.from(String(i)));
        expect((await storage.get(kv.key)).value.toString()).toBe(String(i));
      }
      expect(await storage.count('/registry/multi/')).toBe(10);
    } finally {
      await storage.close();
      await proc.cleanup();
    }
  });
});

describe('EtcdStorage slow watch consumers', () => {
  it('a consumer that falls far behind still gets every event once, in order (the stream pauses and resumes)', async () => {
    const proc = await sharedEtcd();
    const storage = EtcdStorage.create({ endpoints: [proc.endpoint], watchQueueLimit: 50 });
    try {
      const prefix = `/registry/slow/${Date.now()}/`;
      const r0 = await storage.currentRevision();
      const watch = storage.watch(prefix, r0);
      const it = watch[Symbol.asyncIterator]();
      const writes: number[] = [];
      for (let i = 0; i < 400; i++) writes.push((await storage.create(`${prefix}k${i}`, Buffer.from(String(i)))).modRevision);
      const got: number[] = [];
      for (let i = 0; i < 400; i++) {
        const r = await it.next();
        if (r.done === true) break;
        got.push(r.value.modRevision);
        if (i % 100 === 0) await sleep(20); // a slow reader
      }
      expect(got).toEqual(writes);
      watch.close();
    } finally {
      await storage.close();
    }
  });

  it('a consumer that falls behind past a compaction gets Expired, not a silent skip', async () => {
    const proc = await sharedEtcd();
    const storage = EtcdStorage.create({ endpoints: [proc.endpoint], watchQueueLimit: 20 });
    try {
      const prefix = `/registry/slow-compact/${Date.now()}/`;
      const r0 = await storage.currentRevision();
      const watch = storage.watch(prefix, r0);
      const it = watch[Symbol.asyncIterator]();
      const writes: number[] = [];
      for (let i = 0; i < 200; i++) writes.push((await storage.create(`${prefix}k${i}`, Buffer.from(String(i)))).modRevision);
      await storage.compact(writes[writes.length - 1]);
      const got: number[] = [];
      let error: unknown;
      try {
        for (let i = 0; i < 200; i++) {
          const r = await it.next();
          if (r.done === true) break;
          got.push(r.value.modRevision);
        }
      } catch (err) {
        error = err;
      }
      // Whatever arrived is a gap-free prefix of the writes; the rest was cut off by Expired.
      expect(got).toEqual(writes.slice(0, got.length));
      expect(got.length).toBeLessThan(writes.length);
      expect(isStorageError(error, 'Expired')).toBe(true);
      watch.close();
    } finally {
      await storage.close();
    }
  });
});

describe('EtcdStorage over TLS', () => {
  it('talks to an https etcd that requires client certificates, given the CA, cert and key files', async () => {
    const proc = await startEtcd({ tls: true });
    const tls = proc.tls;
    if (tls === undefined) throw new Error('helper did not return TLS material');
    const storage = EtcdStorage.create({ endpoints: [proc.endpoint], ...tls, requestTimeoutMs: 3000 });
    const withoutCert = EtcdStorage.create({ endpoints: [proc.endpoint], caFile: tls.caFile, requestTimeoutMs: 1000 });
    try {
      expect(proc.endpoint.startsWith('https://')).toBe(true);
      const kv = await storage.create('/registry/tls/a', Buffer.from('secret'));
      expect((await storage.get('/registry/tls/a')).modRevision).toBe(kv.modRevision);
      const w = storage.watch('/registry/tls/', kv.modRevision - 1);
      const first = await w[Symbol.asyncIterator]().next();
      expect(first.value?.key).toBe('/registry/tls/a');
      w.close();
      // etcd rejects a client without a certificate: the call fails cleanly instead of hanging.
      await expect(withoutCert.get('/registry/tls/a')).rejects.toMatchObject({ name: 'StorageError' });
    } finally {
      await withoutCert.close();
      await storage.close();
      await proc.cleanup();
    }
  });
});
