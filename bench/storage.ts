/**
 * Storage benchmark: what the km Storage contract keeps of the raw storage's capability.
 *
 *   npx tsx bench/storage.ts            (npm run bench:storage)
 *
 * Starts its own etcd (killed on exit), and compares in one run, on the same machine:
 *   - creates/s at 1 and 64 in flight: EtcdStorage vs the raw etcd3 client sending the same
 *     create-if-absent txn with the same client options (etcd-client.ts) and call deadlines;
 *     the raw twin is run before and after the contract run and the mean is the denominator;
 *   - the same for the embedded SqliteStorage (synchronous=FULL);
 *   - a list of 10k pod-shaped values (~2.3 KB): contract vs raw range, and SQLite;
 *   - watch put -> event latency (open loop, 200 writes/s): contract watch vs etcd3's Watcher.
 * Absolute numbers hold for this machine only; the ratios are the point (docs/benchmarks.md).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { etcdClientOptions } from '../src/storage/etcd-client';
import { EtcdStorage } from '../src/storage/etcd-storage';
import { prefixEnd } from '../src/storage/etcd-watch';
import type { Storage } from '../src/storage/interface';
import { SqliteStorage } from '../src/storage/sqlite-storage';
import { startEtcd, type EtcdProcess } from '../test/helpers/etcd-process';
import { storedPodJson } from './lib/pod';

const BUDGET_MS = 10 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 5000;
const NAMESPACES = 20;
const quick = process.argv.includes('--quick');
const N_C1 = quick ? 300 : 2000;
const N_C64 = quick ? 2000 : 10_000;
const N_LIST = quick ? 2000 : 10_000;
const LIST_REPS = quick ? 3 : 5;
const WATCH_RATE = 200;
const WATCH_SECONDS = quick ? 2 : 5;
/** Sandwich repetitions (raw, contract, raw); the median ratio is reported (docs/benchmarks.md). */
const REPS = quick ? 1 : 3;

// ---- a realistic pod (~2.3 KB of JSON) ---------------------------------------------------------

const podJson = storedPodJson;

const podKey = (run: string, i: number): string => `/registry/pods/ns-${i % NAMESPACES}/${run}-pod-${i}`;

// ---- measurement helpers -----------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

function procCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ=100
  } catch {
    return 0;
  }
}

interface Throughput {
  perSec: number;
  p50: number;
  p99: number;
  nodeCpuUsPerOp: number;
  etcdCpuUsPerOp: number;
}

/** Closed loop: `concurrency` workers issue `total` ops. */
async function closedLoop(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
  etcdPid?: number,
): Promise<Throughput> {
  const lat: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const e0 = procCpuMs(etcdPid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const s = performance.now();
        await op(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    perSec: (total / elapsed) * 1000,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    nodeCpuUsPerOp: (cpu.user + cpu.system) / total,
    etcdCpuUsPerOp: ((procCpuMs(etcdPid) - e0) * 1000) / total,
  };
}

// ---- the runs ----------------------------------------------------------------------------------

let runSeq = 0;
const nextRun = (tag: string): string => `${tag}${++runSeq}`;

function rawCreate(raw: Etcd3, key: string, value: Buffer): Promise<unknown> {
  const k = Buffer.from(key);
  return raw.kv.txn(
    {
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value } }],
    },
    { deadline: Date.now() + REQUEST_TIMEOUT_MS },
  ).then((res) => {
    if (!res.succeeded) throw new Error(`raw create lost: ${key}`);
  });
}

/** Delete everything under /registry/ and compact + defrag, so runs start alike. */
async function resetEtcd(raw: Etcd3): Promise<void> {
  const k = Buffer.from('/registry/');
  const res = await raw.kv.deleteRange({ key: k, range_end: prefixEnd(k) });
  await raw.kv.compact({ revision: Number(res.header.revision), physical: true });
  await raw.maintenance.defragment({});
}

interface Row {
  name: string;
  contract: string;
  raw: string;
  ratio: string;
  target: string;
  pass?: boolean;
}
const rows: Row[] = [];
const extra: string[] = [];
const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Pre-built pod values for a run, so JSON encoding is not part of what is measured. */
const podValues = (run: string, n: number): Buffer[] =>
  Array.from({ length: n }, (_, i) => podJson(`ns-${i % NAMESPACES}`, `${run}-pod-${i}`));

async function benchCreates(raw: Etcd3, contract: EtcdStorage, pid: number | undefined, concurrency: number, n: number): Promise<Throughput> {
  const runRaw = async (): Promise<Throughput> => {
    await resetEtcd(raw);
    const run = nextRun('raw');
    const values = podValues(run, n);
    return closedLoop(n, concurrency, (i) => rawCreate(raw, podKey(run, i), values[i]), pid);
  };
  const runContract = async (): Promise<Throughput> => {
    await resetEtcd(raw);
    const run = nextRun('km');
    const values = podValues(run, n);
    return closedLoop(n, concurrency, (i) => contract.create(podKey(run, i), values[i]), pid);
  };
  // warm-up (connections, JIT)
  await closedLoop(Math.min(200, n), concurrency, (i) => rawCreate(raw, `/registry/warm/${nextRun('w')}-${i}`, podJson('w', 'w')));
  const reps: Array<{ c: Throughput; raw: Throughput }> = [];
  for (let k = 0; k < REPS; k++) {
    const r1 = await runRaw();
    const c = await runContract();
    const r2 = await runRaw();
    reps.push({ c, raw: meanOf(r1, r2) });
  }
  const ratios = reps.map((r) => r.c.perSec / r.raw.perSec);
  const med = (f: (t: Throughput) => number, side: 'c' | 'raw'): number => median(reps.map((r) => f(r[side])));
  rows.push({
    name: `etcd creates/s, ${concurrency} in flight (${n})`,
    contract: fmt(med((t) => t.perSec, 'c')),
    raw: fmt(med((t) => t.perSec, 'raw')),
    ratio: ratioCell(ratios),
    target: '>= 0.90',
    pass: gate(ratios, (r) => r >= 0.9, (r) => r >= 0.9 * 0.85),
  });
  rows.push({
    name: `  latency p50 / p99 ms, c=${concurrency}`,
    contract: `${fmt(med((t) => t.p50, 'c'), 2)} / ${fmt(med((t) => t.p99, 'c'), 2)}`,
    raw: `${fmt(med((t) => t.p50, 'raw'), 2)} / ${fmt(med((t) => t.p99, 'raw'), 2)}`,
    ratio: fmt(median(reps.map((r) => r.c.p50 / r.raw.p50)), 2),
    target: '',
  });
  rows.push({
    name: `  CPU us/op node | etcd, c=${concurrency}`,
    contract: `${fmt(med((t) => t.nodeCpuUsPerOp, 'c'))} | ${fmt(med((t) => t.etcdCpuUsPerOp, 'c'))}`,
    raw: `${fmt(med((t) => t.nodeCpuUsPerOp, 'raw'))} | ${fmt(med((t) => t.etcdCpuUsPerOp, 'raw'))}`,
    ratio: fmt(median(reps.map((r) => r.c.nodeCpuUsPerOp / r.raw.nodeCpuUsPerOp)), 2),
    target: '',
  });
  return { ...reps[0].raw, perSec: med((t) => t.perSec, 'raw') };
}

const meanOf = (a: Throughput, b: Throughput): Throughput => ({
  perSec: (a.perSec + b.perSec) / 2,
  p50: (a.p50 + b.p50) / 2,
  p99: (a.p99 + b.p99) / 2,
  nodeCpuUsPerOp: (a.nodeCpuUsPerOp + b.nodeCpuUsPerOp) / 2,
  etcdCpuUsPerOp: (a.etcdCpuUsPerOp + b.etcdCpuUsPerOp) / 2,
});

/** "median (each rep)" */
const ratioCell = (ratios: number[]): string => `${fmt(median(ratios), 2)} (${ratios.map((r) => fmt(r, 2)).join('/')})`;

/** benchmarks.md: the median ratio meets the goal and no single rep misses it by more than 15%. */
const gate = (ratios: number[], meets: (r: number) => boolean, within15: (r: number) => boolean): boolean =>
  meets(median(ratios)) && ratios.every(within15);

async function benchSqliteCreates(concurrency: number, n: number, rawEtcdC1: number | undefined): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'km-bench-sqlite-'));
  const s = SqliteStorage.open({ dataDir: dir });
  try {
    await closedLoop(Math.min(200, n), concurrency, (i) => s.create(`/registry/warm/${i}`, podJson('w', 'w')));
    const run = nextRun('sq');
    const values = podValues(run, n);
    const t = await closedLoop(n, concurrency, (i) => s.create(podKey(run, i), values[i]));
    if (rawEtcdC1 !== undefined) {
      rows.push({
        name: `sqlite creates/s, ${concurrency} in flight (${n})`,
        contract: fmt(t.perSec),
        raw: `etcd raw ${fmt(rawEtcdC1)}`,
        ratio: fmt(t.perSec / rawEtcdC1, 2),
        target: '>= 1.00',
        pass: t.perSec >= rawEtcdC1,
      });
    } else {
      rows.push({ name: `sqlite creates/s, ${concurrency} in flight (${n})`, contract: fmt(t.perSec), raw: '', ratio: '', target: '' });
    }
    rows.push({
      name: `  sqlite latency p50 / p99 ms, c=${concurrency}`,
      contract: `${fmt(t.p50, 2)} / ${fmt(t.p99, 2)}`,
      raw: '',
      ratio: '',
      target: '',
    });
    return t.perSec;
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeReps(reps: number, fn: () => Promise<number>): Promise<{ ms: number; count: number }> {
  const times: number[] = [];
  let count = 0;
  await fn(); // warm-up
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    count = await fn();
    times.push(performance.now() - t);
  }
  return { ms: median(times), count };
}

async function benchList(raw: Etcd3, contract: EtcdStorage): Promise<void> {
  await resetEtcd(raw);
  const run = nextRun('list');
  await closedLoop(N_LIST, 64, (i) => rawCreate(raw, podKey(run, i), podJson(`ns-${i % NAMESPACES}`, `${run}-pod-${i}`)));
  const prefix = Buffer.from('/registry/pods/');
  const rawList = (): Promise<number> =>
    raw.kv
      .range({ key: prefix, range_end: prefixEnd(prefix), serializable: false }, { deadline: Date.now() + 30_000 })
      .then((r) => r.kvs.length);
  const kmList = (): Promise<number> => contract.list('/registry/pods/').then((r) => r.items.length);
  const r1 = await timeReps(LIST_REPS, rawList);
  const c = await timeReps(LIST_REPS, kmList);
  const r2 = await timeReps(LIST_REPS, rawList);
  if (c.count !== N_LIST || r1.count !== N_LIST) throw new Error(`list returned ${c.count}/${r1.count}, expected ${N_LIST}`);
  const rawMs = (r1.ms + r2.ms) / 2;
  const bytes = podJson('ns-0', `${run}-pod-0`).length;
  rows.push({
    name: `etcd list ${N_LIST} x ${fmt(bytes)} B, ms (median of ${LIST_REPS})`,
    contract: fmt(c.ms, 1),
    raw: fmt(rawMs, 1),
    ratio: fmt(c.ms / rawMs, 2),
    target: '<= 1.10',
    pass: c.ms / rawMs <= 1.1,
  });

  const dir = mkdtempSync(join(tmpdir(), 'km-bench-sqlite-'));
  const s = SqliteStorage.open({ dataDir: dir });
  try {
    await closedLoop(N_LIST, 64, (i) => s.create(podKey(run, i), podJson(`ns-${i % NAMESPACES}`, `${run}-pod-${i}`)));
    const sq = await timeReps(LIST_REPS, () => s.list('/registry/pods/').then((r) => r.items.length));
    if (sq.count !== N_LIST) throw new Error(`sqlite list returned ${sq.count}`);
    rows.push({
      name: `sqlite list ${N_LIST}, ms`,
      contract: fmt(sq.ms, 1),
      raw: `etcd raw ${fmt(rawMs, 1)}`,
      ratio: fmt(sq.ms / rawMs, 2),
      target: '',
    });
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Open loop at WATCH_RATE writes/s; latency from each write's scheduled time to its event. */
async function watchLatency(
  start: (onEvent: (key: string) => void) => Promise<() => Promise<void>>,
  write: (key: string) => Promise<unknown>,
  background?: () => Promise<void>,
): Promise<{ p50: number; p99: number; n: number }> {
  const run = nextRun('watch');
  const scheduled = new Map<string, number>();
  const lat: number[] = [];
  const total = WATCH_RATE * WATCH_SECONDS;
  let seen = 0;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  const stop = await start((key) => {
    const t = scheduled.get(key);
    if (t === undefined) return;
    lat.push(performance.now() - t);
    if (++seen === total) resolveAll();
  });
  await sleep(200);
  let bgStop = false;
  const bg = background !== undefined ? (async () => { while (!bgStop) await background(); })() : Promise.resolve();
  const t0 = performance.now() + 20;
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const at = t0 + (i * 1000) / WATCH_RATE;
    const wait = at - performance.now();
    if (wait > 1) await sleep(wait);
    const key = `/registry/events/${run}/e${i}`;
    scheduled.set(key, at);
    writes.push(write(key));
  }
  await Promise.all(writes);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, 10_000)))]);
  clearTimeout(timer);
  bgStop = true;
  await bg;
  await stop();
  if (seen !== total) throw new Error(`watch saw ${seen} of ${total} events`);
  return { p50: pct(lat, 50), p99: pct(lat, 99), n: total };
}

async function benchWatch(raw: Etcd3, contract: EtcdStorage, label: string, loaded: boolean): Promise<void> {
  const value = podJson('ns-0', 'w');
  const prefix = '/registry/events/';
  let bgSeq = 0;
  const bgRun = nextRun('bg');
  // Under load, 64 creates in flight on the same client (what a busy API server does).
  const background = loaded
    ? (): Promise<void> =>
        Promise.all(Array.from({ length: 64 }, () => rawCreate(raw, `/registry/load/${bgRun}-${bgSeq++}`, value))).then(() => undefined)
    : undefined;
  const kmRun = async (): Promise<{ p50: number; p99: number; n: number }> =>
    watchLatency(
      async (onEvent) => {
        const w = contract.watch(prefix, await contract.currentRevision());
        const reading = (async () => {
          for await (const ev of w) onEvent(ev.key);
        })();
        return async () => {
          w.close();
          await reading;
        };
      },
      (key) => contract.create(key, value),
      background,
    );
  const rawRun = async (): Promise<{ p50: number; p99: number; n: number }> =>
    watchLatency(
      async (onEvent) => {
        const watcher = await raw.watch().prefix(prefix).withPreviousKV().create();
        watcher.on('put', (kv) => onEvent(kv.key.toString()));
        return async () => {
          await watcher.cancel();
        };
      },
      (key) => rawCreate(raw, key, value),
      background,
    );
  const reps: Array<{ c: { p50: number; p99: number }; raw: { p50: number; p99: number } }> = [];
  for (let k = 0; k < REPS; k++) {
    await resetEtcd(raw);
    const r1 = await rawRun();
    await resetEtcd(raw);
    const c = await kmRun();
    await resetEtcd(raw);
    const r2 = await rawRun();
    reps.push({ c, raw: { p50: (r1.p50 + r2.p50) / 2, p99: (r1.p99 + r2.p99) / 2 } });
  }
  for (const q of ['p50', 'p99'] as const) {
    const ratios = reps.map((r) => r.c[q] / r.raw[q]);
    rows.push({
      name: `watch put->event ${q} ms, ${label}`,
      contract: fmt(median(reps.map((r) => r.c[q])), 2),
      raw: fmt(median(reps.map((r) => r.raw[q])), 2),
      ratio: ratioCell(ratios),
      target: '<= 1.10',
      pass: gate(ratios, (r) => r <= 1.1, (r) => r <= 1.1 * 1.15),
    });
  }
}

async function benchSqliteWatch(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'km-bench-sqlite-'));
  const s: Storage = SqliteStorage.open({ dataDir: dir });
  const value = podJson('ns-0', 'w');
  try {
    const r = await watchLatency(
      async (onEvent) => {
        const w = s.watch('/registry/events/', await s.currentRevision());
        const reading = (async () => {
          for await (const ev of w) onEvent(ev.key);
        })();
        return async () => {
          w.close();
          await reading;
        };
      },
      (key) => s.create(key, value),
    );
    rows.push({ name: 'sqlite watch put->event p50 / p99 ms, 200/s', contract: `${fmt(r.p50, 2)} / ${fmt(r.p99, 2)}`, raw: '', ratio: '', target: '' });
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(): void {
  const head: Row = { name: 'benchmark', contract: 'km contract', raw: 'raw twin', ratio: 'ratio: median (each rep)', target: 'target' };
  const all = [head, ...rows];
  const w = (k: keyof Omit<Row, 'pass'>): number => Math.max(...all.map((r) => String(r[k]).length));
  const line = (r: Row): string =>
    `${r.name.padEnd(w('name'))}  ${r.contract.padStart(w('contract'))}  ${r.raw.padStart(w('raw'))}  ${r.ratio.padStart(w('ratio'))}  ${r.target.padEnd(w('target'))}  ${r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS'}`;
  console.log(line(head));
  console.log('-'.repeat(line(head).length + 4));
  for (const r of rows) console.log(line(r));
  for (const e of extra) console.log(e);
}

async function main(): Promise<void> {
  const started: { etcd?: EtcdProcess } = {};
  const budget = setTimeout(() => {
    console.error(`benchmark exceeded its ${BUDGET_MS / 1000} s budget; aborting`);
    void (started.etcd?.cleanup() ?? Promise.resolve()).finally(() => process.exit(2));
  }, BUDGET_MS);
  budget.unref();
  const onSignal = (): void => {
    void (started.etcd?.cleanup() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const etcd = await startEtcd({ extraArgs: ['--quota-backend-bytes', String(4 * 1024 * 1024 * 1024)] });
  started.etcd = etcd;
  const pid = etcd.member.pid;
  const raw = new Etcd3(etcdClientOptions({ endpoints: [etcd.endpoint] }));
  const contract = EtcdStorage.create({ endpoints: [etcd.endpoint], requestTimeoutMs: REQUEST_TIMEOUT_MS });
  try {
    console.log(
      `etcd 3.4 at ${etcd.endpoint}; pod value ${podJson('ns-0', 'x-pod-0').length} B; node ${process.version}; ` +
        `${REPS} sandwich rep(s) (raw, contract, raw); load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    );
    const rawC1 = await benchCreates(raw, contract, pid, 1, N_C1);
    await benchCreates(raw, contract, pid, 64, N_C64);
    await benchSqliteCreates(1, N_C1, rawC1.perSec);
    await benchSqliteCreates(64, N_C64, undefined);
    await benchList(raw, contract);
    await benchWatch(raw, contract, `${WATCH_RATE}/s, unloaded`, false);
    await benchWatch(raw, contract, `${WATCH_RATE}/s + 64 creates in flight`, true);
    await benchSqliteWatch();
    printTable();
    console.log(`load average at end ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores: above ~2 the numbers are noisy)`);
  } finally {
    await contract.close();
    raw.close();
    await etcd.cleanup();
    clearTimeout(budget);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
