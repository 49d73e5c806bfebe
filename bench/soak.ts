/**
 * Soak (docs/benchmarks.md §4, R12): 1 h at the Kubernetes load-test rate of 20 pods/s with 1,000
 * watchers and a 5 min compaction interval; RSS drift <= 5%, no fd leak, p99 drift <= 10%, I3 for
 * every watcher (and I1 for every acknowledged write).
 *
 *   npx tsx bench/soak.ts [--minutes=60] [--store=etcd|sqlite] [--watchers=1000] [--rate=20]
 *                         [--ttl=SECONDS] [--update-ratio=0.25] [--compaction-seconds=N]
 *                         [--sample-seconds=N] [--watch-timeout=SECONDS] [--out=FILE]
 *
 * Starts a real etcd (for --store=etcd) and `km apiserver --compaction-interval=N` with an inspector
 * port (to force a GC before each RSS reading), opens the watchers in forked processes
 * (soak-watch-worker.ts), drives the write load open loop (soak-load.ts) and samples the server
 * every few seconds: RSS after a forced GC, V8 heap, open fds (/proc/PID/fd), CPU. Windows are one
 * compaction interval long; drift compares the first steady window (the pod population is full and
 * the first compaction has happened) with the last. At the end the checker reads the store itself
 * (soak-truth.ts) for I1 and I3 (soak-check.ts). Prints a table and writes this store's section of
 * bench/SOAK.md. Runs shorter than 30 min scale the compaction interval, pod lifetime and watch
 * timeout down (printed in the header) so that they still see compactions and resumes.
 * Everything it starts is killed on exit, on SIGINT/SIGTERM and on a crash; temp dirs are removed.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '../test/helpers/etcd-process';
import { tempDir } from '../test/helpers/km-process';
import { createNamespace } from './lib/fixture';
import { settledRss } from './lib/gc';
import { startServer, stopServer, type KmServer } from './lib/km-server';
import { cpuMs, rssBytes } from './lib/proc';
import { loadNow } from './lib/report';
import { checkI1, checkI3, selectionTargets } from './lib/soak-check';
import { SoakLoad } from './lib/soak-load';
import { printReport, writeSoakMd, type Comparison, type WindowRow } from './lib/soak-report';
import { etcdTruth, sqliteTruth, type Truth, type TruthEvent } from './lib/soak-truth';
import { startSoakWatchers, type SoakWatchers } from './lib/soak-watchers';
import { fmt, median, pct, sleep } from './lib/stats';
import { cleanExits, runCleanups, type Cleanup } from './lib/cleanup';

const MiB = 1024 * 1024;
const NAMESPACES = ['soak-0', 'soak-1', 'soak-2', 'soak-3'];

function flag(name: string): string | undefined {
  const a = process.argv.slice(2).find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}
function num(name: string, dflt: number): number {
  const v = flag(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: not a number: ${v}`);
  return n;
}

const minutes = num('minutes', 60);
const durationS = Math.round(minutes * 60);
const store = flag('store') ?? 'etcd';
if (store !== 'etcd' && store !== 'sqlite') throw new Error(`--store: etcd or sqlite, not ${store}`);
const long = minutes >= 30;
const o = {
  watchers: num('watchers', 1000),
  rate: num('rate', 20),
  updateRatio: num('update-ratio', 0.25),
  ttlS: num('ttl', Math.min(120, Math.round(durationS / 6))),
  compactionS: num('compaction-seconds', long ? 300 : Math.max(10, Math.round(durationS / 10))),
  watchTimeoutS: num('watch-timeout', long ? 300 : Math.max(30, Math.round(durationS / 4))),
};
const windowS = o.compactionS;
const sampleS = num('sample-seconds', Math.min(20, Math.max(5, Math.floor(windowS / 3))));
const out = flag('out') ?? join(__dirname, 'SOAK.md');
if (o.compactionS < 1 || durationS < 2 * windowS) throw new Error('--minutes must cover at least two compaction intervals');

/** Watcher i: even ones watch every pod (selection 0), odd ones one namespace (selection 1 + k). */
const selectors: Array<(e: TruthEvent) => boolean> = [() => true, ...NAMESPACES.map((ns) => (e: TruthEvent) => e.ns === ns)];
const selectionOf = (i: number): number => (i % 2 === 0 ? 0 : 1 + ((i >> 1) % NAMESPACES.length));
const pathOf = (sel: number): string => (sel === 0 ? '/api/v1/pods' : `/api/v1/namespaces/${NAMESPACES[sel - 1]}/pods`);

const cleanups: Cleanup[] = [];

interface Sample {
  t: number;
  rss: number;
  heap: number;
  fds: number;
  cpuPct: number;
  /** CPU of the watcher processes together (% of one core). */
  watchersCpuPct: number;
  etcdRss: number;
  load1: number;
}

const fdCount = (pid: number | undefined): number => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
};

/** Samples the server every `sampleS` until `done()`; notes the first compaction seen. */
async function sampler(server: KmServer, etcdPid: number | undefined, truth: Truth, watchers: SoakWatchers, load: SoakLoad, t0: number, done: () => boolean) {
  const samples: Sample[] = [];
  let firstCompactionS: number | undefined;
  let compacted = 0;
  let compactions = 0;
  const pid = server.km.proc.pid;
  let lastCpu = cpuMs(pid);
  const watcherCpu = (): number => watchers.pids().reduce((a, p) => a + cpuMs(p), 0);
  let lastWatcherCpu = watcherCpu();
  let lastT = performance.now();
  for (let k = 1; !done(); k++) {
    while (!done() && performance.now() < t0 + k * sampleS * 1000) await sleep(Math.min(500, t0 + k * sampleS * 1000 - performance.now()));
    if (done()) break;
    const { rss, heap } = await settledRss(server);
    const now = performance.now();
    const cpu = cpuMs(pid);
    const wCpu = watcherCpu();
    const rev = await truth.compactedRevision().catch(() => compacted);
    if (rev > compacted) {
      compactions++;
      compacted = rev;
      firstCompactionS ??= (now - t0) / 1000;
    }
    const s: Sample = {
      t: (now - t0) / 1000,
      rss,
      heap: heap ?? NaN,
      fds: fdCount(pid),
      cpuPct: ((cpu - lastCpu) / (now - lastT)) * 100,
      watchersCpuPct: ((wCpu - lastWatcherCpu) / (now - lastT)) * 100,
      etcdRss: rssBytes(etcdPid),
      load1: os.loadavg()[0]!,
    };
    lastCpu = cpu;
    lastWatcherCpu = wCpu;
    lastT = now;
    samples.push(s);
    const c = await watchers.counters();
    console.log(
      `t=${fmt(s.t)}s rss=${fmt(rss / MiB, 1)}MiB heap=${fmt(s.heap / MiB, 1)}MiB fds=${s.fds} cpu=${fmt(s.cpuPct)}% watchers cpu=${fmt(s.watchersCpuPct)}% live pods=${load.live} ` +
        `writes ok/failed=${load.counts.creates + load.counts.updates + load.counts.deletes}/${load.failureCount} events=${c.events} resumes=${c.reconnects} 410s=${c.gone410} ` +
        `order errors=${c.orderErrors} compacted@${compacted} load=${fmt(s.load1, 1)}`,
    );
  }
  return { samples, firstCompactionS, compactions, compacted };
}

async function main(): Promise<void> {
  const loadAtStart = loadNow();

  const dir = tempDir('km-soak-');
  cleanups.push(() => dir.cleanup());
  const etcd = store === 'etcd' ? await startEtcd({ extraArgs: ['--quota-backend-bytes', String(8 * 1024 * MiB)] }) : undefined;
  if (etcd) cleanups.push(() => etcd.cleanup());
  const server = await startServer([...(etcd ? [`--etcd-servers=${etcd.endpoint}`] : []), `--data-dir=${dir.dir}`, `--compaction-interval=${o.compactionS}`]);
  cleanups.push(() => stopServer(server));
  const http = server.http;
  for (const ns of NAMESPACES) await createNamespace(http, ns);
  // Ground truth from before the first watcher lists.
  const truth = etcd ? await etcdTruth(etcd.endpoint) : sqliteTruth(dir.dir);
  cleanups.push(() => truth.close());
  await sleep(3000); // the load client's idle keep-alive sockets close after 2 s: a quiet baseline
  const fdsBefore = fdCount(server.km.proc.pid);
  const rssBefore = (await settledRss(server)).rss;

  const t0 = performance.now();
  const paths = Array.from({ length: o.watchers }, (_, i) => pathOf(selectionOf(i)));
  const selections = Array.from({ length: o.watchers }, (_, i) => selectionOf(i));
  console.log(`opening ${o.watchers} watchers...`);
  const watchers = await startSoakWatchers({ base: server.km.url, watchTimeoutSeconds: o.watchTimeoutS, windowMs: windowS * 1000 }, paths, selections);
  cleanups.push(() => watchers.stop());
  console.log(`watchers ready after ${fmt((performance.now() - t0) / 1000, 1)} s; load for ${durationS} s`);

  // Windows count from the start of the load, which is when the clock of every latency starts.
  const loadT0 = performance.now();
  watchers.setClock(performance.timeOrigin + loadT0);
  const load = new SoakLoad(http, { ...o, durationS, namespaces: NAMESPACES, t0: loadT0, windowMs: windowS * 1000 });
  cleanups.push(() => load.stop());
  let loading = true;
  const sampling = sampler(server, etcd?.member.pid, truth, watchers, load, loadT0, () => !loading);
  await load.run();
  loading = false;
  const { samples, firstCompactionS, compactions, compacted } = await sampling;

  // The store's history must hold every acknowledged write before watchers are held to it.
  const lastAcked = Math.max(0, ...load.ackedRvs.map((a) => a.rv));
  for (let i = 0; i < 300 && (truth.events.at(-1)?.rv ?? 0) < lastAcked; i++) await sleep(100);
  const targets = selectionTargets(truth.events, selectors);
  const { summaries, delivery } = await watchers.finish(targets);
  await watchers.stop();
  const i1 = checkI1(load.acks, load.ackedRvs, truth.events, await truth.storedPods());
  const i3 = checkI3(summaries, truth.events, selectors, o.watchers);
  http.close();
  let fdsAfter = fdCount(server.km.proc.pid);
  for (let i = 0; i < 300 && fdsAfter > fdsBefore; i++) {
    await sleep(100);
    fdsAfter = fdCount(server.km.proc.pid);
  }
  const rssAfter = (await settledRss(server)).rss;

  // Per window: the samples taken in it, and the operations scheduled in it.
  const warmupEndS = Math.max(o.ttlS, firstCompactionS ?? 2 * o.compactionS);
  const nWindows = Math.floor(durationS / windowS);
  const windows: WindowRow[] = [];
  for (let w = 0; w < nWindows; w++) {
    const [a, b] = [w * windowS, (w + 1) * windowS];
    const ss = samples.filter((s) => s.t >= a && s.t < b);
    const m = (f: (s: Sample) => number): number => (ss.length ? median(ss.map(f)) : NaN);
    const creates = load.createMs.get(w) ?? [];
    windows.push({
      index: w,
      startS: a,
      endS: b,
      rssMiB: m((s) => s.rss) / MiB,
      heapMiB: m((s) => s.heap) / MiB,
      fds: m((s) => s.fds),
      createP99: pct(creates, 99),
      deliveryP99: delivery.get(w)?.pct(99) ?? NaN,
      creates: creates.length,
      deliveries: delivery.get(w)?.total ?? 0,
      serverCpuPct: m((s) => s.cpuPct),
      watchersCpuPct: m((s) => s.watchersCpuPct),
      load1: m((s) => s.load1),
      steady: a >= warmupEndS,
    });
  }
  const first = windows.find((w) => w.steady);
  const last = windows.at(-1);
  const comparable = first !== undefined && last !== undefined && first !== last;
  const drift = (f: (w: WindowRow) => number, limit: number, metric: string, d: number): Comparison => {
    const x = first ? f(first) : NaN;
    const y = last ? f(last) : NaN;
    const change = (y - x) / x;
    return { metric, first: fmt(x, d), last: fmt(y, d), change: `${change >= 0 ? '+' : ''}${fmt(change * 100, 1)}%`, limit: `<= +${limit * 100}%`, pass: comparable ? change <= limit : undefined };
  };
  const comparisons: Comparison[] = [
    drift((w) => w.rssMiB, 0.05, 'server RSS after GC (MiB)', 1),
    drift((w) => w.createP99, 0.1, 'create p99 (ms)', 1),
    drift((w) => w.deliveryP99, 0.1, 'watch delivery p99 (ms)', 1),
    // Informational: besides the watchers, it counts the load's keep-alive connections, as many as requests in flight.
    { ...drift((w) => w.fds, 0, `server fds (${o.watchers} watchers open)`, 0), limit: '', pass: undefined },
    { metric: 'server fds: before watchers / after all closed', first: String(fdsBefore), last: String(fdsAfter), change: `${fdsAfter - fdsBefore >= 0 ? '+' : ''}${fdsAfter - fdsBefore}`, limit: '<= +0', pass: fdsAfter <= fdsBefore },
    { metric: 'write failures (non-2xx or no answer; of which outcome unknown)', first: '', last: `${load.failureCount} (${load.unknownCount})`, change: '', limit: '0', pass: load.failureCount === 0 },
    { metric: 'I1 every acknowledged write stored', first: '', last: i1.summary, change: '', limit: '', pass: i1.pass },
    { metric: 'I3 every watcher: no gap, no duplicate, RV order', first: '', last: i3.summary, change: '', limit: '', pass: i3.pass },
  ];
  const header = [
    `store: ${store}; ${minutes} min; ${o.rate} pod creates/s open loop, each pod deleted ${o.ttlS} s after creation (gracePeriodSeconds=0), ${o.updateRatio * 100}% updated with their resourceVersion halfway`,
    `${o.watchers} watchers in ${Math.ceil(o.watchers / 250)} processes (half on all pods, half on one of ${NAMESPACES.length} namespaces), timeoutSeconds in [${o.watchTimeoutS}, ${2 * o.watchTimeoutS}) s, resume from the last RV, re-list on 410`,
    `km --compaction-interval=${o.compactionS}; window ${windowS} s; sample every ${sampleS} s (RSS after a forced GC through the inspector)${long ? '' : '; short run: interval, pod lifetime and watch timeout scaled down'}`,
    `first compaction seen at ${firstCompactionS === undefined ? 'never' : `${fmt(firstCompactionS)} s`} (${compactions} seen, last to revision ${compacted}); warm-up ends at ${fmt(warmupEndS)} s; first steady window ${first?.index ?? 'none'}, last ${last?.index ?? 'none'}`,
    `writes acknowledged: ${load.counts.creates} creates, ${load.counts.updates} updates, ${load.counts.deletes} deletes (${load.counts.skipped} skipped: their create was not acknowledged); ${load.live} pods at the end; other writes p99 ${fmt(pct(load.otherMs, 99), 1)} ms`,
    `process priority: nice ${os.getPriority()} (the server, etcd and the watchers inherit it)`,
    `server RSS after GC: ${fmt(rssBefore / MiB, 1)} MiB before the watchers, ${fmt(Math.max(...samples.map((s) => s.rss)) / MiB, 1)} MiB peak sample, ${fmt(rssAfter / MiB, 1)} MiB after they closed; etcd RSS last sample ${etcd ? `${fmt((samples.at(-1)?.etcdRss ?? NaN) / MiB, 1)} MiB` : 'n/a'}`,
  ];
  const notes = [
    `I1: ${i1.detail}`,
    `I3: ${i3.detail}`,
    ...(comparable ? [] : ['the run is too short for a steady window before the last one: no drift verdict']),
    ...i1.problems.map((p) => `I1: ${p}`),
    ...i3.problems.map((p) => `I3: ${p}`),
    ...load.failures.map((f) => `write failure: ${f}`),
  ];
  printReport(header, windows, comparisons, notes);
  writeSoakMd(out, store, header, windows, comparisons, notes, loadAtStart);
  console.log(`written to ${out}`);
  exits.stopBudget();
  const ok = comparisons.every((c) => c.pass !== false);
  process.exitCode = ok ? 0 : 1;
}

const exits = cleanExits(cleanups, 'soak', (durationS + 15 * 60) * 1000);

main().then(
  async () => {
    await runCleanups(cleanups);
    process.exit(process.exitCode ?? 0);
  },
  (err: unknown) => exits.crash(err),
);
