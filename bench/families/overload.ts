/**
 * P16: overload shedding: creates offered open loop at 2x the P1 saturation rate (P1's rate from
 * this run, else a short closed-loop calibration) for 15 s (quick) / 60 s. Goals: the accepted
 * creates' p99 (from their scheduled send time) <= 1 s, the excess answered 429 with Retry-After,
 * and the server alive (no OOM). The client lifts its socket cap so the server, not the client,
 * does the queueing. Pods go to a scratch namespace, cleared after.
 */
import { MiB, etcdPid, nextRun, type Ctx } from '../lib/ctx';
import { clearScratch, createNamespace } from '../lib/fixture';
import { HttpLoad, type HttpResult } from '../lib/http';
import { closedLoop, openLoop } from '../lib/loops';
import { podBody } from '../lib/pod';
import { cpuMeter, rssSampler } from '../lib/proc';
import { fmt, pct } from '../lib/stats';

const NS = 'p16-scratch';

async function saturationRate(c: Ctx): Promise<number> {
  const known = c.shared.get(`${c.store}:P1`);
  if (known !== undefined) return known;
  const run = nextRun('p16cal');
  const n = c.opts.quick ? 1500 : 5000;
  const t = await closedLoop(n, 64, (i) => c.server.http.expect('POST', `/api/v1/namespaces/${NS}/pods`, podBody(NS, `${run}-${i}`), 201));
  await clearScratch(c, NS);
  c.notes.push(`${c.store} P16: P1 did not run; saturation calibrated with ${n} creates at 64 in flight: ${fmt(t.perSec)}/s`);
  return t.perSec;
}

export async function benchOverload(c: Ctx): Promise<void> {
  await createNamespace(c.server.http, NS);
  const sat = await saturationRate(c);
  const rate = Math.round(2 * sat);
  const seconds = c.sizes.p16Seconds;
  const client = new HttpLoad(c.server.km.url, { maxSockets: 4096 });
  const run = nextRun('p16');
  const pid = c.server.km.proc.pid;
  const sampler = rssSampler(pid, 50);
  const meter = cpuMeter({ server: pid, etcd: etcdPid(c) });
  let r;
  try {
    r = await openLoop<HttpResult>(rate, seconds, (i) => client.request('POST', `/api/v1/namespaces/${NS}/pods`, podBody(NS, `${run}-${i}`)));
  } finally {
    client.close();
  }
  const peak = sampler.stop();
  const cpu = meter(r.sent);
  const accepted = r.done.filter((d) => d.value?.status === 201);
  const shed = r.done.filter((d) => d.value?.status === 429);
  const shedNoRetry = shed.filter((d) => d.value?.headers['retry-after'] === undefined).length;
  const other = new Map<number, number>();
  for (const d of r.done) if (d.value && d.value.status !== 201 && d.value.status !== 429) other.set(d.value.status, (other.get(d.value.status) ?? 0) + 1);
  const transport = r.done.filter((d) => d.error !== undefined);
  const p99 = pct(accepted.map((d) => d.ms), 99);
  const alive = c.server.km.proc.exitCode === null && c.server.km.proc.signalCode === null;
  const ready = alive && (await c.server.http.request('GET', '/readyz').then((x) => x.status === 200, () => false));
  const otherText = [...other].map(([s, k]) => `${k}x${s}`).join(' ') || '0';
  c.rows.push({
    store: c.store,
    id: 'P16',
    name: `overload: ${fmt(rate)} creates/s offered (2 x ${fmt(sat)}) for ${seconds} s: accepted/s, accepted p99 ms`,
    api: `${fmt((accepted.length / r.elapsedMs) * 1000)}/s, p99 ${fmt(p99, 0)}`,
    raw: '',
    ratio: '',
    target: 'p99 <= 1000 ms',
    pass: p99 <= 1000,
  });
  c.rows.push({
    store: c.store,
    id: 'P16',
    name: '  answers: 201 / 429 (without Retry-After) / other / transport errors',
    api: `${accepted.length} / ${shed.length} (${shedNoRetry}) / ${otherText} / ${transport.length}`,
    raw: `${r.sent} sent`,
    ratio: '',
    target: 'excess -> 429 + Retry-After',
    pass: shedNoRetry === 0 && other.size === 0 && transport.length === 0,
  });
  c.rows.push({
    store: c.store,
    id: 'P16',
    name: '  server peak RSS MiB; alive and ready after; server CPU us per request',
    api: `${fmt(peak / MiB, 0)}; ${alive ? 'alive' : 'DEAD'}${ready ? ', ready' : ', NOT ready'}; ${fmt(cpu.server ?? 0)}`,
    raw: '',
    ratio: '',
    target: 'no OOM',
    pass: alive && ready,
  });
  if (transport.length > 0) c.notes.push(`${c.store} P16: first transport error: ${String(transport[0]!.error)}`);
  if (r.sendLagP99 > 50) c.notes.push(`${c.store} P16: the load generator sent up to ${fmt(r.sendLagP99, 0)} ms late (p99)`);
  if (alive) await clearScratch(c, NS);
}
