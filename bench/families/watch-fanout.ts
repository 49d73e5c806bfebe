/**
 * P12: watch fan-out: N HTTP watch streams held by client processes of <= 250 each, open-loop
 * creates at a fixed rate; latency from each create's scheduled time to the last watcher having it.
 * Twin: N etcd watchers (same client processes) on raw create-if-absent txns, in the same run for
 * both stores. The 1,000-watcher row carries P12's goals: p99 ratio <= 1.0 and server CPU <= 20 us
 * per delivered event.
 */
import { etcdTwin } from '../lib/twins';
import { nextRun, rawMean, sandwich, type Ctx } from '../lib/ctx';
import { clearScratch, createNamespace } from '../lib/fixture';
import { podBody } from '../lib/pod';
import { cpuMeter } from '../lib/proc';
import { fmt } from '../lib/stats';
import { watchFanout, type FanoutResult } from '../lib/watch-fanout';

const NS = 'p12-scratch';

export async function benchWatchFanout(c: Ctx): Promise<void> {
  await createNamespace(c.server.http, NS);
  const rawEtcd = etcdTwin(c.raw, c.etcd.endpoint);
  for (const plan of c.sizes.watchPlan) {
    let serverUsPerEvent = NaN;
    const apiRun = async (): Promise<FanoutResult> => {
      const run = nextRun('wb');
      const rv = (await c.server.http.json<{ metadata: { resourceVersion: string } }>('GET', `/api/v1/namespaces/${NS}/pods?limit=1`)).metadata.resourceVersion;
      // Started once every watch is established: the goal is about delivering, not connecting.
      let meter: ((ops: number) => Record<string, number>) | undefined;
      const r = await watchFanout(
        { mode: 'http', count: plan.watchers, target: `${c.server.km.url}/api/v1/namespaces/${NS}/pods?watch=1&resourceVersion=${rv}`, marker: `${run}-` },
        Array.from({ length: plan.events }, (_, i) => `${run}-${i}`),
        plan.rate,
        (name) => c.server.http.expect('POST', `/api/v1/namespaces/${NS}/pods`, podBody(NS, name), 201),
        async () => void (meter = cpuMeter({ server: c.server.km.proc.pid })),
        () => void (serverUsPerEvent = meter?.(plan.watchers * plan.events).server ?? NaN),
      );
      await clearScratch(c, NS);
      return r;
    };
    const rawRun = async (): Promise<FanoutResult> => {
      const run = nextRun('rw');
      const prefix = `/rawwatch/${run}/`;
      const r = await watchFanout(
        { mode: 'etcd', count: plan.watchers, target: c.etcd.endpoint, prefix, marker: '' },
        Array.from({ length: plan.events }, (_, i) => `${run}-${i}`),
        plan.rate,
        (name) => rawEtcd.create(prefix + name, c.storedPod),
      );
      await rawEtcd.clear(prefix);
      return r;
    };
    // One sandwich per row: 1,000 watchers for 30 s three times over would dominate the suite.
    const [rep] = await sandwich(1, rawRun, apiRun);
    const api = rep!.api;
    const raw = { p50: rawMean(rep!, (t) => t.p50), p99: rawMean(rep!, (t) => t.p99) };
    const lost = api.delivered < api.expected ? ` LOST ${api.expected - api.delivered}` : '';
    const goal = plan.watchers === 1000;
    const r99 = api.p99 / raw.p99;
    c.rows.push({
      store: c.store,
      id: 'P12',
      name: `watch create->last watcher p50 / p99 ms, ${plan.watchers} watcher(s), ${plan.rate}/s x ${plan.events}`,
      api: `${fmt(api.p50, 1)} / ${fmt(api.p99, 1)}${lost}`,
      raw: `${fmt(raw.p50, 1)} / ${fmt(raw.p99, 1)} (etcd)`,
      ratio: `${fmt(api.p50 / raw.p50, 2)} / ${fmt(r99, 2)}`,
      target: goal ? 'p99 <= 1.0' : '',
      ...(goal ? { pass: r99 <= 1.0 && !lost } : lost ? { pass: false } : {}),
    });
    c.rows.push({
      store: c.store,
      id: 'P12',
      name: `  server CPU us per delivered event (creates included), ${plan.watchers} watcher(s)`,
      api: fmt(serverUsPerEvent, 1),
      raw: '',
      ratio: '',
      target: goal ? '<= 20' : '',
      ...(goal ? { pass: serverUsPerEvent <= 20 } : {}),
    });
  }
}
