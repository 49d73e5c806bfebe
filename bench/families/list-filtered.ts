/**
 * P9 (S5): a namespace LIST (500 of 10k pods) against a range of that namespace's keys, and a
 * label-selected LIST (the 1% of fixture pods labelled bench-sel=on) against the range of all 10k
 * (benchmarks.md: under the must, a full range plus filter is allowed).
 */
import { ratioRow, type Ctx } from '../lib/ctx';
import { SELECT_LABEL, ensurePods, listPrefix } from '../lib/fixture';
import { nsOf } from '../lib/pod';
import { readSandwich } from '../lib/reads';

export async function benchFilteredList(c: Ctx): Promise<void> {
  const n = c.sizes.list;
  await ensurePods(c, n);
  const http = c.server.http;
  const ns = nsOf(3);
  const nsPath = `/api/v1/namespaces/${ns}/pods`;
  const selPath = `/api/v1/pods?labelSelector=${encodeURIComponent(`${SELECT_LABEL}=on`)}`;
  const count = async (path: string): Promise<number> => (await http.json<{ items: unknown[] }>('GET', path)).items.length;
  const [inNs, selected] = [await count(nsPath), await count(selPath)];
  if (inNs !== n / 20 || selected !== n / 100) throw new Error(`P9: ${inNs} pods in ${ns} (expected ${n / 20}), ${selected} selected (expected ${n / 100})`);
  const list = (path: string) => async (): Promise<void> => {
    const r = await http.count('GET', path);
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
  };
  const nsPrefix = `${listPrefix(c)}${ns}/`;
  const [nsReps] = await readSandwich(c.sizes.reps, c.sizes.listReps * 4, () => c.twin.range(nsPrefix), [list(nsPath)]);
  ratioRow(c, 'P9', `namespace LIST (${inNs} of ${n} pods), consistent, p50 ms`, nsReps!, (t) => t.p50, 2, { max: 1.5 });
  const [selReps] = await readSandwich(c.sizes.reps, c.sizes.listReps, () => c.twin.range(listPrefix(c)), [list(selPath)]);
  ratioRow(c, 'P9', `label-selected LIST (${selected} of ${n}) vs range of all ${n}, p50 ms`, selReps!, (t) => t.p50, 1, c.store === 'etcd' ? { max: 1.5 } : undefined);
}
