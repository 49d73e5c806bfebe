import { WorkQueue } from '../../src/client/work-queue';
import { FakeClock } from '../helpers/fake-clock';

describe('work queue', () => {
  it('queues a key once however often it is added before processing', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands one key to two workers: a key added while processing comes back after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    const p = q.get().then((x) => (second = x));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(k!);
    await p;
    expect(second).toBe('a');
  });

  it('retries failures with per-key exponential backoff, reset by forget', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 1000, clock });
    q.addRateLimited('a'); // 10 ms
    clock.advance(9);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
    const k = await q.get();
    q.done(k!);
    q.addRateLimited('a'); // 20 ms
    clock.advance(19);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
    expect(q.retries('a')).toBe(2);
    q.forget('a');
    expect(q.retries('a')).toBe(0);
  });

  it('wakes waiting workers with undefined on shutdown', async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.shutDown();
    expect(await p).toBeUndefined();
    q.add('x');
    expect(q.length).toBe(0);
  });
});
