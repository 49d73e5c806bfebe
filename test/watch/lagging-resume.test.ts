/**
 * A client that keeps falling behind while writes go on (what the full-rate soak does to its
 * watchers): the cache ends its watch for lagging (ERROR, not 410), the client resumes from the last
 * resourceVersion it received, often older than the small ring, so the cache replays from storage and
 * hands over to the ring while the writers keep appending. Across all its resumes the client must
 * see exactly storage's own event history: no gap, no duplicate, no reordering.
 */
import type { Storage, WatchEvent } from '../../src/storage/interface';
import type { KubeObject } from '../../src/api/types';
import type { WatchCache } from '../../src/watch/watch-cache';
import { BACKENDS, newCache, openBackend, pod, freshPrefix, sleep, summarize, summarizeRaw, takeRawUntil, withTimeout, type Backend } from './helpers';

jest.setTimeout(60_000);

describe.each(BACKENDS)('a lagging watcher on %s storage', (backendName) => {
  let backend: Backend;
  let storage: Storage;
  let cache: WatchCache | undefined;

  beforeAll(async () => {
    backend = await openBackend(backendName);
    storage = backend.storage;
  });
  afterAll(async () => {
    await cache?.stop();
    await backend?.cleanup();
  });

  test('ended for lagging while writers go on, it resumes from its last resourceVersion (storage replay, then the ring) and misses nothing', async () => {
    const prefix = freshPrefix('lag');
    cache = newCache(storage, prefix, { historySize: 16, bufferPerWatcher: 8 });
    await cache.start();
    const rv0 = cache.resourceVersion;
    const raw = storage.watch(prefix, rv0);

    let writing = true;
    const writer = async (id: number): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        const k = `${prefix}ns${id}/w${i}`;
        const c = await storage.create(k, pod(`ns${id}`, `w${i}`, { i: String(i) }));
        const u = await storage.update(k, pod(`ns${id}`, `w${i}`, { i: String(i), step: 'two' }), c.modRevision);
        if (i % 4 === 0) await storage.delete(k, { expectedModRevision: u.modRevision });
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(writer)).finally(() => (writing = false));

    // The client: reads slowly, resumes from its last resourceVersion whenever the stream ends.
    const seen: string[] = [];
    let last = rv0;
    let endedForLag = 0;
    const errors: string[] = [];
    let finalRev = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 500 && last < finalRev; round++) {
      const w = cache.watch({ resourceVersion: String(last) });
      const it = w[Symbol.asyncIterator]();
      for (let n = 0; n < 10_000; n++) {
        const r = await withTimeout(it.next(), 2000);
        if (r === 'timeout' || r.done) break;
        const ev = r.value;
        if (ev.type === 'ERROR') {
          const code = (ev.object as { code?: number }).code;
          if (code === 410) errors.push(`410 at ${last}`);
          else endedForLag++;
          break;
        }
        if (ev.type === 'BOOKMARK') continue;
        seen.push(summarize(ev));
        last = Number((ev.object as KubeObject).metadata?.resourceVersion);
        await sleep(1); // slower than the writers: the watch falls behind
      }
      w.close();
      if (!writing && finalRev === Number.POSITIVE_INFINITY) finalRev = await storage.currentRevision();
    }
    await writers;
    const history: WatchEvent[] = await takeRawUntil(raw, await storage.currentRevision());
    raw.close();
    expect(errors).toEqual([]);
    expect(endedForLag).toBeGreaterThan(0); // it really was ended for lagging and resumed
    expect(seen).toEqual(history.map(summarizeRaw));
  });
});
