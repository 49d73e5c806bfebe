/**
 * P6a/P6b (LIST 10k pods, consistent and resourceVersion=0) and P7 (LIST 50k, consistent): time to
 * the last byte at the client, against a linearizable range of the same keys (etcd) or of the
 * twin's copy (embedded store, S3). The client counts bytes and keeps none.
 */
import { MiB, ratioRow, type Ctx } from '../lib/ctx';
import { ensurePods, listPrefix } from '../lib/fixture';
import { readSandwich } from '../lib/reads';
import { fmt } from '../lib/stats';

/** Checks the API and the twin both see exactly `n` pods; resolves the LIST's size in bytes. */
export async function checkedListBytes(c: Ctx, n: number): Promise<number> {
  const http = c.server.http;
  // The count from a limit=1 page (remainingItemCount), so no 100 MB body is parsed here.
  const page = await http.json<{ metadata: { remainingItemCount?: number }; items: unknown[] }>('GET', '/api/v1/pods?limit=1');
  let items = page.items.length + (page.metadata.remainingItemCount ?? 0);
  if (page.metadata.remainingItemCount === undefined) {
    items = (JSON.parse((await http.expect('GET', '/api/v1/pods')).body.toString('utf8')) as { items: unknown[] }).items.length;
  }
  if (items !== n) throw new Error(`API LIST returned ${items} pods, expected ${n}`);
  const raw = await c.twin.count(listPrefix(c));
  if (raw !== n) throw new Error(`raw range holds ${raw} keys, expected ${n}`);
  const r = await http.count('GET', '/api/v1/pods');
  if (r.status !== 200) throw new Error(`LIST: HTTP ${r.status}`);
  return r.bytes;
}

export async function benchList(c: Ctx, id: 'P6' | 'P7', n: number): Promise<number> {
  await ensurePods(c, n);
  const bytes = await checkedListBytes(c, n);
  const http = c.server.http;
  const list = (q: string) => async (): Promise<void> => {
    const r = await http.count('GET', `/api/v1/pods${q}`);
    if (r.status !== 200) throw new Error(`LIST${q}: HTTP ${r.status}`);
  };
  await http.count('GET', '/api/v1/pods?resourceVersion=0'); // warm the cache
  const variants = id === 'P6' ? [list(''), list('?resourceVersion=0')] : [list('')];
  const [consistent, cached] = await readSandwich(c.sizes.reps, c.sizes.listReps, () => c.twin.range(listPrefix(c)), variants);
  const size = `${n} pods, ${fmt(bytes / MiB, 1)} MiB`;
  ratioRow(c, id === 'P6' ? 'P6a' : 'P7', `LIST ${size}, consistent, p50 ms`, consistent!, (t) => t.p50, 1, { max: 1.5 });
  if (cached) ratioRow(c, 'P6b', `LIST ${n} pods, resourceVersion=0, p50 ms`, cached, (t) => t.p50, 1, c.store === 'etcd' ? { max: 0.6 } : undefined);
  const worst = Math.max(...[...consistent!, ...(cached ?? [])].map((r) => r.api.p99));
  if (worst > 30_000) c.notes.push(`${c.store} ${id}: a LIST took ${fmt(worst / 1000, 1)} s, over the 30 s cluster-list SLO`);
  return bytes;
}
