/**
 * The compactor against real etcd, driven by a fake timer: each tick compacts to the revision seen
 * one interval earlier, failures are retried at the next tick, and stop() really stops it.
 */
import { Compactor, type CompactorTimer } from '../../src/storage/compactor';
import { EtcdStorage } from '../../src/storage/etcd-storage';
import { isStorageError } from '../../src/storage/errors';
import { startEtcd, type EtcdProcess } from '../helpers/etcd-process';

/** A manual clock: callbacks run only when the test advances time past them. */
class FakeTimer implements CompactorTimer {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get scheduled(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending]) {
      if (t.at <= this.now) {
        this.pending.delete(id);
        t.fn();
      }
    }
  }
}

const INTERVAL = 60_000;

describe('Compactor', () => {
  let proc: EtcdProcess;
  let storage: EtcdStorage;
  let timer: FakeTimer;
  let compactions: number[];
  let errors: unknown[];
  let compactor: Compactor;
  let n = 0;
  const write = async (): Promise<number> => (await storage.create(`/registry/c/k${n++}`, Buffer.from('v'))).modRevision;

  beforeAll(async () => {
    proc = await startEtcd();
  });

  afterAll(async () => {
    await proc.cleanup();
  });

  beforeEach(() => {
    storage = EtcdStorage.create({ endpoints: [proc.endpoint], requestTimeoutMs: 1000 });
    timer = new FakeTimer();
    compactions = [];
    errors = [];
    compactor = new Compactor(storage, {
      intervalMs: INTERVAL,
      timer,
      onCompact: (r) => compactions.push(r),
      onError: (e) => errors.push(e),
    });
  });

  afterEach(async () => {
    compactor.stop();
    await compactor.whenIdle();
    await storage.close();
  });

  const tick = async (): Promise<void> => {
    timer.advance(INTERVAL);
    await compactor.whenIdle();
  };

  it('does nothing before the first interval, and the first tick only records the revision', async () => {
    compactor.start();
    await write();
    timer.advance(INTERVAL - 1);
    await compactor.whenIdle();
    await tick();
    expect(compactions).toEqual([]);
    expect(await storage.compactedRevision()).toBe(0);
  });

  it('each tick compacts to the revision observed one interval earlier, keeping that interval of history', async () => {
    compactor.start();
    await write();
    const seenAtFirstTick = await storage.currentRevision();
    await tick();
    const writtenDuringInterval = await write();
    await write();
    await tick();
    expect(compactions).toEqual([seenAtFirstTick]);
    expect(await storage.compactedRevision()).toBe(seenAtFirstTick);
    // History of the last interval is still readable; older history is gone.
    expect((await storage.list('/registry/c/', { atRevision: writtenDuringInterval })).revision).toBe(writtenDuringInterval);
    await expect(storage.list('/registry/c/', { atRevision: seenAtFirstTick - 1 })).rejects.toMatchObject({ code: 'Expired' });

    const seenAtSecondTick = await storage.currentRevision();
    await write();
    await tick();
    expect(compactions).toEqual([seenAtFirstTick, seenAtSecondTick]);
    expect(await storage.compactedRevision()).toBe(seenAtSecondTick);
    expect(errors).toEqual([]);
  });

  it('a tick that fails (etcd down) is reported, and the compactor keeps going once etcd is back', async () => {
    compactor.start();
    await write();
    const seenBeforeOutage = await storage.currentRevision();
    await tick();
    await proc.kill9();
    await tick();
    expect(errors.length).toBe(1);
    expect(isStorageError(errors[0], 'Unavailable')).toBe(true);
    expect(compactions).toEqual([]);
    expect(timer.scheduled).toBe(1);
    await proc.restart();
    await write();
    const seenAfterOutage = await storage.currentRevision();
    await tick(); // compacts to what the last successful tick saw
    await write();
    await tick();
    expect(compactions).toEqual([seenBeforeOutage, seenAfterOutage]);
    expect(await storage.compactedRevision()).toBe(seenAfterOutage);
  });

  it('stop() cancels the next tick: time passing afterwards compacts nothing', async () => {
    compactor.start();
    await write();
    await tick();
    compactor.stop();
    expect(timer.scheduled).toBe(0);
    const before = await storage.compactedRevision();
    await write();
    await tick();
    await tick();
    expect(compactions).toEqual([]);
    expect(await storage.compactedRevision()).toBe(before);
  });
});
