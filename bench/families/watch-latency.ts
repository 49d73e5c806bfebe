/**
 * P10 (S6) and P11: create -> watch event latency with one watcher in another process, on
 * `GET /api/v1/pods?watch=1&resourceVersion=<now>`. P10: open loop at 200 creates/s, latency from
 * each POST's scheduled time; P11: 64 creates in flight (closed loop), latency from each POST's
 * send. Twin: raw create txns -> an etcd watcher in another process (the embedded store: its own
 * watch, in this process). API pods go to a scratch namespace, cleared after each run.
 */
import { latencyRow, nextRun, sandwich, type Ctx, type Goal } from '../lib/ctx';
import { clearScratch, createNamespace } from '../lib/fixture';
import { podBody } from '../lib/pod';
import { fmt, median } from '../lib/stats';
import { forkWatchers } from '../lib/watch-fanout';
import { watchLatency, type Load, type WatchLatencyResult } from '../lib/watch-latency';

async function currentRv(c: Ctx, ns: string): Promise<string> {
  return (await c.server.http.json<{ metadata: { resourceVersion: string } }>('GET', `/api/v1/namespaces/${ns}/pods?limit=1`)).metadata.resourceVersion;
}

async function runWatch(c: Ctx, id: 'P10' | 'P11', load: Load): Promise<Array<{ api: WatchLatencyResult; raw1: WatchLatencyResult; raw2: WatchLatencyResult }>> {
  const ns = `${id.toLowerCase()}-scratch`;
  await createNamespace(c.server.http, ns);
  const rawRun = async (): Promise<WatchLatencyResult> => {
    const run = nextRun(`${id.toLowerCase()}r`);
    const prefix = `/rawwatch/${run}/`;
    const r = await watchLatency(c.twin.watcher(prefix), load, (i) => `${run}-${i}`, (name) => c.twin.create(prefix + name, c.storedPod));
    await c.twin.clear(prefix);
    return r;
  };
  const apiRun = async (): Promise<WatchLatencyResult> => {
    const run = nextRun(id.toLowerCase());
    const rv = await currentRv(c, ns);
    const r = await watchLatency(
      forkWatchers({ mode: 'http', count: 1, target: `${c.server.km.url}/api/v1/pods?watch=1&resourceVersion=${rv}`, marker: `${run}-` }),
      load,
      (i) => `${run}-${i}`,
      (name) => c.server.http.expect('POST', `/api/v1/namespaces/${ns}/pods`, podBody(ns, name), 201),
      () => c.server.http.warm(load.kind === 'closed' ? load.concurrency : 8),
    );
    await clearScratch(c, ns);
    return r;
  };
  return sandwich(c.sizes.reps, rawRun, apiRun);
}

function lostCheck(c: Ctx, id: string, reps: Array<{ api: WatchLatencyResult; raw1: WatchLatencyResult; raw2: WatchLatencyResult }>): boolean {
  const lost = reps.flatMap((r) => [r.api, r.raw1, r.raw2]).filter((x) => x.delivered < x.expected);
  for (const x of lost) c.notes.push(`${c.store} ${id}: a watcher received ${x.delivered} of ${x.expected} events within 15 s of the last write`);
  const failed = reps.reduce((a, r) => a + r.api.failed + r.raw1.failed + r.raw2.failed, 0);
  if (failed > 0) c.notes.push(`${c.store} ${id}: ${failed} writes failed (left out of the latencies)`);
  return reps.every((r) => r.api.delivered === r.api.expected);
}

export async function benchWatchUnloaded(c: Ctx): Promise<void> {
  const { rate, seconds } = c.sizes.p10;
  const reps = await runWatch(c, 'P10', { kind: 'open', rate, count: rate * seconds });
  const complete = lostCheck(c, 'P10', reps);
  const goal: Goal | undefined = c.store === 'etcd' ? { max: 2.0 } : undefined;
  const twin = c.store === 'etcd' ? 'etcd watcher in another process' : 'in-process store watch';
  latencyRow(c, 'P10', `watch create->event p50 / p99 ms, ${rate}/s open loop (twin: ${twin})`, reps, goal, goal, complete);
  if (c.store === 'sqlite') {
    // S6: the watch adds at most 1 ms to the create itself (p50s of the same run).
    const over = reps.map((r) => r.api.p50 - r.api.write.p50);
    c.rows.push({
      store: c.store,
      id: 'P10',
      name: '  S6: API watch p50 - API create p50 (same run), ms',
      api: `${fmt(median(reps.map((r) => r.api.p50)), 2)} - ${fmt(median(reps.map((r) => r.api.write.p50)), 2)}`,
      raw: '',
      ratio: fmt(median(over), 2),
      target: '<= 1 ms',
      pass: median(over) <= 1 && complete,
    });
  }
}

export async function benchWatchLoaded(c: Ctx): Promise<void> {
  const { concurrency, seconds } = c.sizes.p11;
  const reps = await runWatch(c, 'P11', { kind: 'closed', concurrency, seconds });
  const complete = lostCheck(c, 'P11', reps);
  const goal: Goal | undefined = c.store === 'etcd' ? { max: 3.0 } : undefined;
  const events = median(reps.map((r) => r.api.expected));
  latencyRow(c, 'P11', `watch create->event p50 / p99 ms, ${concurrency} creates in flight for ${seconds} s (~${fmt(events)} events)`, reps, goal, goal, complete);
}
