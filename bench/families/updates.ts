/**
 * P4: update throughput: PUT with metadata.resourceVersion, 64 in flight, once over every fixture
 * pod per run. Twin: compare-and-swap txns (Mod == rev, then put) at 64 in flight over as many keys
 * of the stored pod's size. The PUT bodies and the twin's keys are prepared before the clock starts.
 */
import { REWROTE_FIXTURE_AT } from './memory';
import { cpuRow, etcdPid, latencyRow, nextRun, ratioRow, sandwich, type Ctx } from '../lib/ctx';
import { ensurePods, fixtureName } from '../lib/fixture';
import { closedLoop, type Throughput } from '../lib/loops';
import { nsOf } from '../lib/pod';
import { cpuMeter } from '../lib/proc';

type Measured = Throughput & { cpu: Record<string, number> };

interface PodJson {
  metadata: { name: string; namespace: string; resourceVersion: string; annotations?: Record<string, string> };
}

export async function benchUpdates(c: Ctx): Promise<void> {
  const n = c.sizes.list;
  await ensurePods(c, n);
  const rawRun = async (): Promise<Measured> => {
    const run = nextRun('p4raw');
    const key = (i: number): string => `/rawbench/${run}/pods/${nsOf(i)}/${fixtureName(i)}`;
    const revs: number[] = new Array<number>(n);
    await closedLoop(n, 64, async (i) => void (revs[i] = await c.twin.create(key(i), c.storedPod)));
    const meter = cpuMeter({ etcd: etcdPid(c) });
    const t = await closedLoop(n, 64, (i) => c.twin.update(key(i), c.storedPod, revs[i]!));
    const cpu = meter(n);
    await c.twin.clear(`/rawbench/${run}/`);
    if (t.errors > 0) throw new Error(`P4 twin: ${t.errors} CAS failed: ${t.firstError}`);
    return { ...t, cpu };
  };
  const apiRun = async (): Promise<Measured> => {
    const run = nextRun('p4');
    const list = await c.server.http.json<{ items: PodJson[] }>('GET', '/api/v1/pods');
    if (list.items.length !== n) throw new Error(`P4: ${list.items.length} pods listed, expected ${n}`);
    const bodies = list.items.map((p) => {
      p.metadata.annotations = { ...p.metadata.annotations, 'bench.km/update': run };
      return { path: `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`, body: Buffer.from(JSON.stringify(p)) };
    });
    await c.server.http.warm(64);
    const meter = cpuMeter({ etcd: etcdPid(c), server: c.server.km.proc.pid });
    const t = await closedLoop(n, 64, (i) => c.server.http.expect('PUT', bodies[i]!.path, bodies[i]!.body, 200));
    const cpu = meter(n);
    if (t.errors > 0) c.notes.push(`${c.store} P4: ${t.errors} of ${n} updates failed (left out of the rate); first: ${t.firstError}`);
    return { ...t, cpu };
  };
  const reps = await sandwich(c.sizes.reps, rawRun, apiRun);
  // Every fixture pod now has a previous version in the watch cache's event history (P14 waits it out).
  c.shared.set(REWROTE_FIXTURE_AT, performance.now());
  ratioRow(c, 'P4', `pod updates/s (PUT with RV), c=64 over ${n} pods`, reps, (t) => t.perSec, 0, c.store === 'etcd' ? { min: 0.45 } : undefined);
  latencyRow(c, 'P4', '  update latency p50 / p99 ms, c=64', reps);
  cpuRow(c, 'P4', 'c=64 updates', reps);
}
