/** `kubectl get pods` over 1,000 pods: wall time against km vs a static replay of km's own answers. */
import type { Ctx } from '../lib/ctx';
import { clearScratch, createNamespace } from '../lib/fixture';
import { benchKubectl } from '../lib/kubectl';
import { closedLoop } from '../lib/loops';
import { podBody } from '../lib/pod';
import { fmt } from '../lib/stats';

const NS = 'kubectl-scratch';

export async function benchKubectlRow(c: Ctx): Promise<void> {
  const n = c.sizes.kubectlPods;
  await createNamespace(c.server.http, NS);
  await closedLoop(n, 32, (i) => c.server.http.expect('POST', `/api/v1/namespaces/${NS}/pods`, podBody(NS, `kb-${i}`), 201));
  try {
    const r = await benchKubectl(c.server.km.url, NS, c.sizes.kubectlReps);
    c.rows.push({
      store: c.store,
      id: '',
      name: `kubectl get pods (${n}), wall ms (${r.requests} requests)`,
      api: fmt(r.kmMs, 0),
      raw: `static ${fmt(r.staticMs, 0)}`,
      ratio: fmt(r.kmMs / r.staticMs, 2),
      target: '',
    });
    if (r.lines !== n + 1) c.notes.push(`${c.store}: kubectl printed ${r.lines} lines, expected ${n + 1}`);
    if (r.misses > 0) c.notes.push(`${c.store}: the static replay missed ${r.misses} request(s) kubectl made`);
  } finally {
    await clearScratch(c, NS);
  }
}
