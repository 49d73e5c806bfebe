/**
 * P14: server RSS after a forced GC holding the fixture pods, minus the RSS it had with none, over
 * the JSON bytes those pods list as (<= 2.0); the V8 heap in use is shown beside it.
 */
import { MiB, type Ctx } from '../lib/ctx';
import { ensurePods } from '../lib/fixture';
import { settledRss } from '../lib/gc';
import { fmt } from '../lib/stats';
import { checkedListBytes } from './list';

export async function benchRss(c: Ctx, n: number): Promise<void> {
  await ensurePods(c, n);
  const jsonBytes = await checkedListBytes(c, n);
  await c.server.http.count('GET', '/api/v1/pods?resourceVersion=0&limit=1'); // the cache is up
  const base = c.emptyRss;
  const { rss, heap } = await settledRss(c.server);
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
}
