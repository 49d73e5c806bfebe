/**
 * P3: create latency under steady load: open loop at 500 creates/s, latency from each create's
 * scheduled send time (no coordinated omission). Twin: create-if-absent txns at the same rate.
 * API pods go to a scratch namespace, cleared (and etcd compacted + defragmented) after each run.
 */
import { cpuRow, etcdPid, latencyRow, nextRun, sandwich, type Ctx } from '../lib/ctx';
import { clearScratch, createNamespace } from '../lib/fixture';
import { openLatency, openLoop } from '../lib/loops';
import { podBody } from '../lib/pod';
import { cpuMeter } from '../lib/proc';
import { fmt, median } from '../lib/stats';

const NS = 'p3-scratch';

interface Measured {
  p50: number;
  p99: number;
  errors: number;
  lag: number;
  cpu: Record<string, number>;
}

export async function benchCreateLatencyLoaded(c: Ctx): Promise<void> {
  const { rate, seconds } = c.sizes.p3;
  await createNamespace(c.server.http, NS);
  const rawRun = async (): Promise<Measured> => {
    const run = nextRun('p3raw');
    const meter = cpuMeter({ etcd: etcdPid(c) });
    const r = await openLoop(rate, seconds, (i) => c.twin.create(`/rawbench/${run}/pods/${NS}/${run}-${i}`, c.storedPod));
    const cpu = meter(r.sent);
    await c.twin.clear(`/rawbench/${run}/`);
    return { ...openLatency(r), lag: r.sendLagP99, cpu };
  };
  const apiRun = async (): Promise<Measured> => {
    const run = nextRun('p3');
    const meter = cpuMeter({ etcd: etcdPid(c), server: c.server.km.proc.pid });
    const r = await openLoop(rate, seconds, (i) => c.server.http.expect('POST', `/api/v1/namespaces/${NS}/pods`, podBody(NS, `${run}-${i}`), 201));
    const cpu = meter(r.sent);
    await clearScratch(c, NS);
    return { ...openLatency(r), lag: r.sendLagP99, cpu };
  };
  const reps = await sandwich(c.sizes.reps, rawRun, apiRun);
  const p99 = median(reps.map((r) => r.api.p99));
  // The mutating SLO (p99 <= 1 s) is a floor that holds in every run.
  const floor = reps.every((r) => r.api.p99 <= 1000);
  latencyRow(c, 'P3', `create latency p50 / p99 ms, open loop ${rate}/s for ${seconds} s`, reps, undefined, c.store === 'etcd' ? { max: 2.0 } : undefined, floor);
  const errs = reps.reduce((a, r) => a + r.api.errors, 0);
  if (!floor) c.notes.push(`${c.store} P3: a run's create p99 exceeded the 1 s mutating SLO (median p99 ${fmt(p99, 0)} ms)`);
  if (errs > 0) c.notes.push(`${c.store} P3: ${errs} creates failed`);
  const lag = Math.max(...reps.flatMap((r) => [r.api.lag, r.raw1.lag, r.raw2.lag]));
  if (lag > 10) c.notes.push(`${c.store} P3: the load generator sent up to ${fmt(lag, 0)} ms late (p99): it, not only the server, was short of CPU`);
  cpuRow(c, 'P3', `${rate}/s open loop`, reps);
}
