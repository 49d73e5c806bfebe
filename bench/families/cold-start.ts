/**
 * P15: cold start: spawn `km apiserver` -> first /readyz 200 with the fixture pods in storage (50k
 * in full mode), against the twin's range + JSON.parse of every pod. Also shown: spawn -> the first
 * LIST served from the (then primed) watch cache, and spawn -> /readyz on an empty store, i.e. the
 * fixed cost of starting the process from its TypeScript sources. The restarted server stays the
 * server under test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawMean, ratioRow, sandwich, type Ctx } from '../lib/ctx';
import { ensurePods, listPrefix } from '../lib/fixture';
import { startServer, stopServer } from '../lib/km-server';
import { fmt, median } from '../lib/stats';

interface Measured {
  ms: number;
  primedMs: number;
  emptyMs: number;
}

/** The flags of the server under test, pointed at an empty store. */
function emptyArgs(c: Ctx, dir: string): string[] {
  const rest = c.server.args.filter((a) => !a.startsWith('--data-dir=') && !a.startsWith('--etcd-prefix='));
  return [...rest, `--data-dir=${dir}`, ...(c.store === 'etcd' ? ['--etcd-prefix=/p15-empty'] : [])];
}

export async function benchColdStart(c: Ctx): Promise<void> {
  const n = Math.max(c.fixture.count, c.sizes.cold);
  await ensurePods(c, n);
  const prefix = listPrefix(c);
  const rawRun = async (): Promise<Measured> => {
    const t = performance.now();
    const got = await c.twin.rangeParse(prefix);
    const ms = performance.now() - t;
    if (got !== n) throw new Error(`P15 twin parsed ${got} pods, expected ${n}`);
    return { ms, primedMs: ms, emptyMs: 0 };
  };
  const apiRun = async (): Promise<Measured> => {
    const dir = mkdtempSync(join(tmpdir(), 'km-bench-empty-'));
    let emptyMs: number;
    try {
      const empty = await startServer(emptyArgs(c, dir));
      emptyMs = empty.readyMs;
      await stopServer(empty);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (c.store === 'etcd') await c.twin.remove('/p15-empty/');
    }
    await stopServer(c.server);
    const t0 = performance.now();
    c.server = await startServer(c.server.args);
    const ms = c.server.readyMs;
    // A namespace with no pods: the answer needs the whole pods cache loaded, and is tiny.
    const r = await c.server.http.count('GET', '/api/v1/namespaces/p15-probe/pods?resourceVersion=0');
    if (r.status !== 200) throw new Error(`P15 probe LIST: HTTP ${r.status}`);
    // startServer's clock starts just before the spawn, t0 just before the call: within a few ms.
    const primedMs = performance.now() - t0;
    return { ms, primedMs, emptyMs };
  };
  const reps = await sandwich(c.sizes.reps, rawRun, apiRun);
  ratioRow(c, 'P15', `cold start: spawn -> /readyz 200 with ${n} pods stored, ms`, reps, (m) => m.ms, 0, { max: 2.0 });
  ratioRow(c, 'P15', '  spawn -> first LIST served from the primed watch cache, ms', reps, (m) => m.primedMs, 0);
  const empty = median(reps.map((r) => r.api.emptyMs));
  c.rows.push({
    store: c.store,
    id: 'P15',
    name: '  spawn -> /readyz 200, empty store (process start from sources), ms',
    api: fmt(empty, 0),
    raw: '',
    ratio: `net ${fmt(median(reps.map((r) => (r.api.ms - r.api.emptyMs) / rawMean(r, (m) => m.ms))), 2)}`,
    target: '',
  });
}
