/**
 * P6c: LIST memory: 8 concurrent consistent LISTs of the 10k pods; the server's RSS, sampled from
 * /proc every 5 ms while they run, rises by at most 2x the 8 responses (after a GC beforehand).
 */
import { MiB, gate, ratioCell, type Ctx } from '../lib/ctx';
import { ensurePods } from '../lib/fixture';
import { settledRss } from '../lib/gc';
import { rssSampler } from '../lib/proc';
import { fmt, median } from '../lib/stats';

const CONCURRENT = 8;

export async function benchListMemory(c: Ctx): Promise<void> {
  const n = c.sizes.list;
  await ensurePods(c, n);
  const http = c.server.http;
  await http.count('GET', '/api/v1/pods'); // warm-up
  const runs: Array<{ rise: number; bytes: number }> = [];
  for (let k = 0; k < c.sizes.reps; k++) {
    const before = (await settledRss(c.server)).rss;
    const sampler = rssSampler(c.server.km.proc.pid, 5);
    const res = await Promise.all(Array.from({ length: CONCURRENT }, () => http.count('GET', '/api/v1/pods')));
    const peak = sampler.stop();
    if (res.some((r) => r.status !== 200)) throw new Error(`P6c: LIST status ${res.map((r) => r.status).join(',')}`);
    runs.push({ rise: peak - before, bytes: res[0]!.bytes });
  }
  const ratios = runs.map((r) => r.rise / (CONCURRENT * r.bytes));
  c.rows.push({
    store: c.store,
    id: 'P6c',
    name: `${CONCURRENT} concurrent LISTs of ${n} pods: server peak RSS rise, MiB`,
    api: fmt(median(runs.map((r) => r.rise)) / MiB, 0),
    raw: `8 x ${fmt(runs[0]!.bytes / MiB, 1)} MiB`,
    ratio: ratioCell(ratios),
    target: '<= 2.0',
    pass: gate(ratios, { max: 2.0 }),
  });
}
