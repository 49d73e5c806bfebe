/**
 * P14: server RSS after a forced GC holding the fixture pods, minus the RSS it had with none, over
 * the JSON bytes those pods list as (<= 2.0). Beside it, where the rise is: the main thread's V8
 * heap in use and its ArrayBuffer bytes (the watch cache's JSON slabs). The rest of the rise is C
 * heap, mostly glibc keeping the write path's freed Buffers resident (it returns no free memory from
 * below the top of its heap), plus the SQLite writer thread's page cache and heap: a fixed cost, so
 * benchmarks.md defines P14 at 50k pods (÷ 5), where the 10k row's overhead is amortized.
 */
import { MiB, type Ctx } from '../lib/ctx';
import { ensurePods } from '../lib/fixture';
import { settledRss } from '../lib/gc';
import { fmt, sleep } from '../lib/stats';
import { checkedListBytes } from './list';

/** `c.shared` key: when P4 last rewrote every fixture pod (performance.now()). */
export const REWROTE_FIXTURE_AT = 'rewroteFixtureAt';
/**
 * The watch cache keeps 75 s of event history (DEFAULT_HISTORY_AGE_MS), and with each update event the
 * version it replaced (a selector-filtered watcher gets that one in its DELETED event, as kube's
 * cacher sends it). Right after P4 rewrote all the fixture pods the server therefore holds every pod
 * twice; housekeeping (every 5 s) drops that history once it ages out.
 */
const HISTORY_WINDOW_MS = 75_000 + 5_000 + 2_000;

export async function benchRss(c: Ctx, n: number): Promise<void> {
  await ensurePods(c, n);
  const jsonBytes = await checkedListBytes(c, n);
  const rewrote = c.shared.get(REWROTE_FIXTURE_AT);
  const wait = rewrote === undefined ? 0 : rewrote + HISTORY_WINDOW_MS - performance.now();
  if (wait > 0) {
    const early = await settledRss(c.server);
    c.notes.push(
      `${c.store} P14 ${fmt(n)}: taken once the watch cache's 75 s event history of P4's updates had aged out (${fmt(wait / 1000, 0)} s wait); ` +
        `inside that window, with the previous version of every pod still in the history, RSS rise ÷ JSON was ${fmt((early.rss - c.emptyRss.rss) / jsonBytes, 2)}`,
    );
    await sleep(Math.max(0, rewrote! + HISTORY_WINDOW_MS - performance.now()));
  }
  await c.server.http.count('GET', '/api/v1/pods?resourceVersion=0&limit=1'); // the cache is up
  const base = c.emptyRss;
  const { rss, heap, arrayBuffers } = await settledRss(c.server);
  if (heap === undefined) c.notes.push(`${c.store}: could not force a GC before the ${n}-pod RSS reading (inspector unavailable)`);
  const label = fmt(n);
  c.rows.push({
    store: c.store,
    id: 'P14',
    name: `RSS after GC holding ${label} pods, MiB (rise over empty ÷ JSON)`,
    api: `${fmt(rss / MiB, 0)} (+${fmt((rss - base.rss) / MiB, 0)})`,
    raw: `JSON ${fmt(jsonBytes / MiB, 1)}`,
    ratio: `${fmt(rss / jsonBytes, 2)} (${fmt((rss - base.rss) / jsonBytes, 2)})`,
    target: 'rise <= 2.0',
    pass: (rss - base.rss) / jsonBytes <= 2.0,
  });
  if (heap !== undefined && base.heap !== undefined) {
    c.rows.push({
      store: c.store,
      id: 'P14',
      name: `  V8 heap in use after GC, ${label} pods, MiB (rise ÷ JSON)`,
      api: `${fmt(heap / MiB, 0)} (+${fmt((heap - base.heap) / MiB, 0)})`,
      raw: `JSON ${fmt(jsonBytes / MiB, 1)}`,
      ratio: fmt((heap - base.heap) / jsonBytes, 2),
      target: '',
    });
  }
  if (arrayBuffers !== undefined && base.arrayBuffers !== undefined) {
    c.rows.push({
      store: c.store,
      id: 'P14',
      name: `  ArrayBuffers after GC (cache slabs), ${label} pods, MiB (rise ÷ JSON)`,
      api: `${fmt(arrayBuffers / MiB, 0)} (+${fmt((arrayBuffers - base.arrayBuffers) / MiB, 0)})`,
      raw: `JSON ${fmt(jsonBytes / MiB, 1)}`,
      ratio: fmt((arrayBuffers - base.arrayBuffers) / jsonBytes, 2),
      target: '',
    });
  }
}
