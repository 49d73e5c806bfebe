/**
 * P8 (S4): paginated LIST, limit=500 with continue tokens, at 10k and at 50k pods: total time
 * against the twin paging one snapshot (a range at the first page's revision, 500 keys a page), and
 * the scaling t(50k) / t(10k), which catches O(n^2) paging. The embedded store's goal is against the
 * twin's single-shot list of the same rows.
 */
import { ratioRow, ratiosOf, gate, ratioCell, type Ctx, type Rep } from '../lib/ctx';
import { ensurePods, listPrefix } from '../lib/fixture';
import type { HttpLoad } from '../lib/http';
import { readSandwich, type Timings } from '../lib/reads';
import { fmt, median } from '../lib/stats';

const LIMIT = 500;
const TOKEN = /"continue":"([^"]*)"/;

/** Pages through all pods; resolves how many pages. `full` parses every page (verification). */
async function pagedList(http: HttpLoad, full: boolean): Promise<{ pages: number; items: number }> {
  let token: string | undefined;
  let items = 0;
  for (let page = 1; page < 100_000; page++) {
    const path = `/api/v1/pods?limit=${LIMIT}${token !== undefined ? `&continue=${encodeURIComponent(token)}` : ''}`;
    if (full) {
      const list = await http.json<{ metadata: { continue?: string }; items: unknown[] }>('GET', path);
      items += list.items.length;
      token = list.metadata.continue || undefined;
    } else {
      // The list's metadata precedes its items: the token is in the first bytes (checked by the full pass).
      const r = await http.count('GET', path);
      if (r.status !== 200) throw new Error(`paged LIST: HTTP ${r.status}`);
      token = TOKEN.exec(r.head)?.[1] || undefined;
    }
    if (token === undefined) return { pages: page, items };
  }
  throw new Error('paged LIST did not end');
}

export async function benchPagedList(c: Ctx, n: number, size: 'small' | 'big'): Promise<void> {
  await ensurePods(c, n);
  const http = c.server.http;
  const check = await pagedList(http, true);
  if (check.items !== n) throw new Error(`P8: paging returned ${check.items} pods, expected ${n}`);
  const fast = await pagedList(http, false);
  if (fast.pages !== check.pages) throw new Error(`P8: the continue token is not in the head of each page (${fast.pages} vs ${check.pages} pages)`);
  const prefix = listPrefix(c);
  const inner = size === 'small' ? c.sizes.listReps : Math.max(1, Math.floor(c.sizes.listReps / 2));
  const [api, single] = await readSandwich(c.sizes.reps, inner, () => c.twin.pagedRange(prefix, LIMIT), [
    () => pagedList(http, false),
    () => c.twin.range(prefix),
  ]);
  const name = `paginated LIST limit=${LIMIT}, ${n} pods (${check.pages} pages), total ms`;
  if (c.store === 'etcd') ratioRow(c, 'P8', name, api!, (t) => t.p50, 1, { max: 1.5 });
  else {
    // S4: <= 1.5 x the twin's single-shot list; the paged twin is shown for reference.
    ratioRow(c, 'P8', name, api!, (t) => t.p50, 1);
    const vsSingle: Array<Rep<Timings>> = api!.map((r, k) => ({ api: r.api, raw1: single![k]!.api, raw2: single![k]!.api }));
    const ratios = ratiosOf(vsSingle, (t) => t.p50);
    c.rows.push({
      store: c.store,
      id: 'P8',
      name: `  the same against the twin's single-shot list of ${n}`,
      api: fmt(median(api!.map((r) => r.api.p50)), 1),
      raw: fmt(median(single!.map((r) => r.api.p50)), 1),
      ratio: ratioCell(ratios),
      target: '<= 1.5',
      pass: gate(ratios, { max: 1.5 }),
    });
  }
  c.shared.set(`${c.store}:P8:${size}:api`, median(api!.map((r) => r.api.p50)));
  c.shared.set(`${c.store}:P8:${size}:raw`, median(api!.map((r) => (r.raw1.p50 + r.raw2.p50) / 2)));
  c.shared.set(`${c.store}:P8:${size}:n`, n);
  if (size === 'big') scalingRow(c);
}

function scalingRow(c: Ctx): void {
  const get = (k: string): number | undefined => c.shared.get(`${c.store}:P8:${k}`);
  const [a10, a50, r10, r50, n10, n50] = ['small:api', 'big:api', 'small:raw', 'big:raw', 'small:n', 'big:n'].map(get);
  if (a10 === undefined || a50 === undefined || r10 === undefined || r50 === undefined) return;
  const s = a50 / a10;
  c.rows.push({
    store: c.store,
    id: 'P8',
    name: `  paging scaling t(${n50}) / t(${n10}) (x${fmt((n50 ?? 0) / (n10 ?? 1), 0)} pods)`,
    api: fmt(s, 2),
    raw: fmt(r50 / r10, 2),
    ratio: '',
    target: '<= 6',
    pass: s <= 6,
  });
}
